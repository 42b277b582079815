"""a web-chat visitor's e-mail for replies while they are away, and whether a socket of theirs is open

Revision ID: 0013_visitor_email
Revises: 0004_webchat
Create Date: 2026-12-02 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0013_visitor_email"
down_revision = "0004_webchat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webchat_visitor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
        batch_op.add_column(sa.Column("email_asked", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("online_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webchat_visitor", schema=None) as batch_op:
        batch_op.drop_column("online_until")
        batch_op.drop_column("email_asked")
        batch_op.drop_column("email")
