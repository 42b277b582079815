"""one inbox for every channel's inbound events (WhatsApp's own goes); indexes for the hot lookups

Revision ID: 0006_inbox
Revises: 0001
Create Date: 2026-12-02 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006_inbox"
down_revision = "0001"
branch_labels = None
# whatsapp_inbox, dropped here, is created there.
depends_on = "0003_whatsapp"


def upgrade() -> None:
    op.create_table(
        "inbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("conversation", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id"),
    )
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_event_queue", ["status", "id"], unique=False)
        batch_op.create_index("ix_inbox_event_conversation", ["channel", "conversation", "status", "id"], unique=False)
    with op.batch_alter_table("message", schema=None) as batch_op:
        # The reply lookup: a sequential scan that grew with the table, inside SQLite's write lock.
        batch_op.create_index("ix_message_reply_lookup", ["channel", "address", "external_id"], unique=False)
    # Calls still waiting in WhatsApp's private inbox move to the shared one.
    op.execute(
        "INSERT INTO inbox_event (channel, external_id, conversation, payload, status, attempts, next_attempt_at,"
        " arrived_at) SELECT 'whatsapp', 'whatsapp_inbox:' || id, '', body, 'pending', 0, received_at, received_at"
        " FROM whatsapp_inbox WHERE status = 'PENDING'"
    )
    with op.batch_alter_table("whatsapp_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_whatsapp_inbox_queue")
    op.drop_table("whatsapp_inbox")
    sa.Enum(name="inboxstatus").drop(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    op.create_table(
        "whatsapp_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("PENDING", "DONE", "FAILED", name="inboxstatus"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("whatsapp_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_whatsapp_inbox_queue", ["status", "id"], unique=False)
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_reply_lookup")
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_event_conversation")
        batch_op.drop_index("ix_inbox_event_queue")
    op.drop_table("inbox_event")
