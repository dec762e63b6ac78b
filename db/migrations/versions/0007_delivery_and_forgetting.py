"""delivery states, ids never reused, bookings and bind attempts outlive /forget

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Tables whose integer ids appear in buttons, jobs or messages: on SQLite they are rebuilt with
# AUTOINCREMENT so a freed id is never given out again (PostgreSQL sequences never reuse one).
ID_TABLES = ("bind_attempts", "questions", "votes", "handovers", "bookings", "outbox", "reminders")
# SQLite's foreign keys are unnamed: batch mode names them by this convention so they can be dropped.
SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _fk_name(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}" if _sqlite() else f"{table}_{column}_fkey"


def _batch(table: str):  # type: ignore[no-untyped-def]
    if _sqlite():
        return op.batch_alter_table(
            table,
            recreate="always",
            naming_convention=SQLITE_NAMES,
            table_kwargs={"sqlite_autoincrement": True},
        )
    return op.batch_alter_table(table)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=8), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("claimed_at", db.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("text_sent_at", db.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_user_id"), ["user_id"], unique=False)
    op.execute("UPDATE outbox SET status = 'sent', text_sent_at = sent_at WHERE sent_at IS NOT NULL")

    for table in ID_TABLES:
        with _batch(table) as batch_op:
            if table == "bookings":
                batch_op.alter_column("user_id", existing_type=sa.BigInteger(), nullable=True)
                batch_op.drop_constraint(_fk_name("bookings", "user_id", "users"), type_="foreignkey")
                batch_op.create_foreign_key(
                    _fk_name("bookings", "user_id", "users"),
                    "users",
                    ["user_id"],
                    ["id"],
                    ondelete="SET NULL",
                )
            if table == "bind_attempts":
                batch_op.drop_constraint(_fk_name("bind_attempts", "user_id", "users"), type_="foreignkey")


def downgrade() -> None:
    op.execute("DELETE FROM bookings WHERE user_id IS NULL")
    with op.batch_alter_table("bookings", naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint(_fk_name("bookings", "user_id", "users"), type_="foreignkey")
        batch_op.create_foreign_key(
            _fk_name("bookings", "user_id", "users"), "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.alter_column("user_id", existing_type=sa.BigInteger(), nullable=False)
    op.execute("DELETE FROM bind_attempts WHERE user_id NOT IN (SELECT id FROM users)")
    with op.batch_alter_table("bind_attempts", naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.create_foreign_key(
            _fk_name("bind_attempts", "user_id", "users"), "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_user_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_status"))
        for column in ("user_id", "last_error", "text_sent_at", "claimed_at", "status"):
            batch_op.drop_column(column)
