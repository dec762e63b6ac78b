"""questions: one index on (user_id, id), so a user's latest question is found without sorting

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 01:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_questions_user_id", table_name="questions")
    op.create_index("ix_questions_user_latest", "questions", ["user_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_questions_user_latest", table_name="questions")
    op.create_index("ix_questions_user_id", "questions", ["user_id"], unique=False)
