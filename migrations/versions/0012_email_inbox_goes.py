"""e-mail's private inbox goes: mails waiting in email_inbox move to the core inbox

Revision ID: 0012_email_inbox_goes
Revises: 0007_email
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012_email_inbox_goes"
down_revision = "0007_email"
branch_labels = None
# inbox_event, where the waiting mails go, is created there.
depends_on = "0006_inbox"

# The tables as this migration knows them (not the models, which change later).
email_inbox = sa.table(
    "email_inbox",
    sa.column("id", sa.Integer()),
    sa.column("mailbox_key", sa.String()),
    sa.column("data", sa.LargeBinary()),
    sa.column("attempts", sa.Integer()),
    sa.column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("processed_at", sa.DateTime(timezone=True)),
)
inbox_event = sa.table(
    "inbox_event",
    sa.column("id", sa.Integer()),
    sa.column("channel", sa.String()),
    sa.column("external_id", sa.String()),
    sa.column("conversation", sa.String()),
    sa.column("payload", sa.Text()),
    sa.column("status", sa.String()),
    sa.column("attempts", sa.Integer()),
    sa.column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.column("arrived_at", sa.DateTime(timezone=True)),
)


def _sender(data: bytes) -> str:
    headers = BytesHeaderParser(policy=policy.default).parsebytes(data)
    return parseaddr(str(headers.get("From", "")))[1].lower()[:160]


def upgrade() -> None:
    # The payload is channels/email/inbox.py's StoredMail: JSON with the raw mail in base64.
    bind = op.get_bind()
    waiting = bind.execute(
        sa.select(email_inbox.c.mailbox_key, email_inbox.c.data, email_inbox.c.received_at)
        .where(email_inbox.c.processed_at.is_(None))
        .order_by(email_inbox.c.id)
    ).all()
    now = datetime.now(UTC)
    rows = [
        {
            "channel": "email",
            "external_id": key,
            "conversation": _sender(data),
            "payload": json.dumps({"mailbox_key": key, "data": base64.b64encode(data).decode("ascii")}),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "arrived_at": received_at,
        }
        for key, data, received_at in waiting
    ]
    if rows:
        op.bulk_insert(inbox_event, rows)
    with op.batch_alter_table("email_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_email_inbox_queue")
    op.drop_table("email_inbox")


def downgrade() -> None:
    op.create_table(
        "email_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mailbox_key"),
    )
    with op.batch_alter_table("email_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_email_inbox_queue", ["processed_at", "next_attempt_at"], unique=False)
    # Mails the core inbox has not handled yet go back where the older code looks for them.
    bind = op.get_bind()
    pending = (inbox_event.c.channel == "email") & (inbox_event.c.status == "pending")
    waiting = bind.execute(
        sa.select(inbox_event.c.payload, inbox_event.c.arrived_at).where(pending).order_by(inbox_event.c.id)
    ).all()
    rows = []
    for payload, arrived_at in waiting:
        mail = json.loads(payload)
        rows.append(
            {
                "mailbox_key": mail["mailbox_key"],
                "data": base64.b64decode(mail["data"]),
                "attempts": 0,
                "next_attempt_at": arrived_at,
                "received_at": arrived_at,
            }
        )
    if rows:
        op.bulk_insert(email_inbox, rows)
    bind.execute(sa.delete(inbox_event).where(pending))
