"""a web-chat visitor's e-mail is used only once they confirm it from a link mailed to it

Revision ID: 0014_visitor_email_confirmed
Revises: 0013_visitor_email
Create Date: 2026-12-02 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0014_visitor_email_confirmed"
down_revision = "0013_visitor_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webchat_visitor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_pending", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True))
        batch_op.add_column(sa.Column("email_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index("ix_webchat_visitor_email_token_hash", ["email_token_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("webchat_visitor", schema=None) as batch_op:
        batch_op.drop_index("ix_webchat_visitor_email_token_hash")
        batch_op.drop_column("email_token_hash")
        batch_op.drop_column("email_pending")
