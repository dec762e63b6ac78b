"""registry mobile as a second check at /bind

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (no table rebuild on SQLite, so no foreign key is touched).
    op.add_column("cardholders", sa.Column("mobile", sa.String(length=16), nullable=True))
    op.add_column("users", sa.Column("pending_card_number", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "pending_card_number")  # SQLite 3.35+ drops a column in place
    op.drop_column("cardholders", "mobile")
