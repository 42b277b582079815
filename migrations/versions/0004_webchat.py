"""web chat visitors and their conversation events

Revision ID: 0004_webchat
Revises: 0001
Create Date: 2026-11-22 03:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_webchat"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webchat_visitor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("webchat_visitor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webchat_visitor_user_id"), ["user_id"], unique=False)

    op.create_table(
        "webchat_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["webchat_visitor.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visitor_id", "dedup_key"),
        sa.UniqueConstraint("visitor_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("webchat_event")
    with op.batch_alter_table("webchat_visitor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webchat_visitor_user_id"))

    op.drop_table("webchat_visitor")
