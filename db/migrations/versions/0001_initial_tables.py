"""initial tables

Revision ID: 0001
Revises:
Create Date: 2026-11-23 11:30:50.863826
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cardholders",
        sa.Column("card_number", sa.String(length=32), nullable=False),
        sa.Column("card", sa.String(length=32), nullable=False),
        sa.Column("holder_name", sa.String(length=64), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("card_number"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(length=128), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("card", sa.String(length=32), nullable=True),
        sa.Column("card_number", sa.String(length=32), nullable=True),
        sa.Column("awaiting", sa.String(length=32), nullable=True),
        sa.Column("created_at", db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["card_number"], ["cardholders.card_number"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_number"),
    )
    op.create_table(
        "bind_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("at", db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bind_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bind_attempts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("card", sa.String(length=32), nullable=True),
        sa.Column("entry_id", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("created_at", db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_questions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", db.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_posted_at", db.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("first_reply_at", db.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handovers_first_reply_at"), ["first_reply_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_handovers_user_id"), ["user_id"], unique=False)

    op.create_table(
        "votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("at", db.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["questions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "user_id"),
    )
    op.create_table(
        "handover_posts",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["handover_id"], ["handovers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chat_id", "message_id"),
    )
    with op.batch_alter_table("handover_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_posts_handover_id"), ["handover_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("handover_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_posts_handover_id"))

    op.drop_table("handover_posts")
    op.drop_table("votes")
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handovers_user_id"))
        batch_op.drop_index(batch_op.f("ix_handovers_first_reply_at"))

    op.drop_table("handovers")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_user_id"))
        batch_op.drop_index(batch_op.f("ix_questions_created_at"))

    op.drop_table("questions")
    with op.batch_alter_table("bind_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bind_attempts_user_id"))

    op.drop_table("bind_attempts")
    op.drop_table("users")
    op.drop_table("cardholders")
