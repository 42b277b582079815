"""e-mail inbox, automatic-reply times and the installation's secrets

Revision ID: 0007_email
Revises: 0001
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007_email"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    op.create_table(
        "email_auto_reply",
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    op.create_table(
        "server_secret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("server_secret")
    op.drop_table("email_auto_reply")
    with op.batch_alter_table("email_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_email_inbox_queue")
    op.drop_table("email_inbox")
