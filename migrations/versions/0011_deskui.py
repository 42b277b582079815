"""the desk's live cards and the agents seen in the group

Revision ID: 0011_deskui
Revises: 0001
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0011_deskui"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("rendered", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_table(
        "telegram_agent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "user_id"),
    )
    with op.batch_alter_table("telegram_agent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_agent_full_name"), ["full_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_telegram_agent_username"), ["username"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("telegram_agent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_agent_username"))
        batch_op.drop_index(batch_op.f("ix_telegram_agent_full_name"))
    op.drop_table("telegram_agent")
    op.drop_table("telegram_card")
