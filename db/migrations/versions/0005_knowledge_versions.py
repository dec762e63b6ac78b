"""knowledge versions and handled unanswered questions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["parent_id"], ["knowledge_versions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_knowledge_versions_state", "knowledge_versions", ["state"])
    op.create_table(
        "handled_questions",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("handled_by", sa.BigInteger(), nullable=False),
        sa.Column("handled_at", db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("question_id"),
    )


def downgrade() -> None:
    op.drop_table("handled_questions")
    op.drop_index("ix_knowledge_versions_state", table_name="knowledge_versions")
    op.drop_table("knowledge_versions")
