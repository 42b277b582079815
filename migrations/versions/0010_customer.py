"""customer side: follow-up tickets, access-code failures, platform files to copy

Revision ID: 0010_customer
Revises: 0001
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010_customer"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_follow_up",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.ForeignKeyConstraint(["previous_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    with op.batch_alter_table("ticket_follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_follow_up_previous_id"), ["previous_id"], unique=False)

    op.create_table(
        "access_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_failure_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_failure_failed_at"), ["failed_at"], unique=False)

    op.create_table(
        "file_fetch",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"]),
        sa.PrimaryKeyConstraint("attachment_id"),
    )
    with op.batch_alter_table("file_fetch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_fetch_next_try_at"), ["next_try_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_file_fetch_done"), ["done"], unique=False)


def downgrade() -> None:
    op.drop_table("file_fetch")
    op.drop_table("access_failure")
    op.drop_table("ticket_follow_up")
