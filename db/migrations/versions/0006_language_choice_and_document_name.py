"""language choice per user; outbox document file name

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language_choice", sa.String(length=8), nullable=True))
    op.add_column("outbox", sa.Column("document_name", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("outbox", "document_name")
    op.drop_column("users", "language_choice")
