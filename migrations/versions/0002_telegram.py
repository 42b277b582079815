"""telegram topics and group messages

Revision ID: 0002_telegram
Revises: 0001
Create Date: 2026-11-22 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002_telegram"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id"),
    )
    with op.batch_alter_table("telegram_topic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_topic_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "telegram_group_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chat_id", "message_id"),
    )
    with op.batch_alter_table("telegram_group_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_group_message_ticket_id"), ["ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("telegram_group_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_group_message_ticket_id"))
    op.drop_table("telegram_group_message")
    with op.batch_alter_table("telegram_topic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_topic_thread_id"))
    op.drop_table("telegram_topic")
