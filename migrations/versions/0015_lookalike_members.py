"""a look-alike suggestion's reports are named on the tickets, not listed in a JSON array

In a mass outage a suggestion holds hundreds of reports, and each newcomer had to read the list and
pass it back as a 1,000-value IN (...) (bench.email_inbound). With the suggestion on the ticket, the
reports still ungrouped, a suggestion's count and its latest reports are indexed queries.

Revision ID: 0015_lookalike_members
Revises: 0009_desk
Create Date: 2026-12-02 18:20:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0015_lookalike_members"
down_revision = "0009_desk"
branch_labels = None
depends_on = None

_groups = sa.table("lookalikegroup", sa.column("id", sa.Integer), sa.column("ticket_ids", sa.JSON))
_tickets = sa.table("ticket", sa.column("id", sa.Integer), sa.column("lookalike_group_id", sa.Integer))


def _ids(value: str | list[int] | None) -> list[int]:
    # JSON comes back decoded on PostgreSQL and as text from some SQLite builds.
    return [int(i) for i in (json.loads(value) if isinstance(value, str) else value or [])]


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lookalike_group_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_ticket_lookalike_group_id", ["lookalike_group_id"], unique=False)
    connection = op.get_bind()
    for group_id, ticket_ids in connection.execute(sa.select(_groups.c.id, _groups.c.ticket_ids)).all():
        if ids := _ids(ticket_ids):
            connection.execute(_tickets.update().where(_tickets.c.id.in_(ids)).values(lookalike_group_id=group_id))
    with op.batch_alter_table("lookalikegroup", schema=None) as batch_op:
        batch_op.drop_column("ticket_ids")


def downgrade() -> None:
    with op.batch_alter_table("lookalikegroup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_ids", sa.JSON(), nullable=False, server_default="[]"))
    connection = op.get_bind()
    members: dict[int, list[int]] = {}
    query = (
        sa.select(_tickets.c.lookalike_group_id, _tickets.c.id)
        .where(_tickets.c.lookalike_group_id.is_not(None))
        .order_by(_tickets.c.id)
    )
    for group_id, ticket_id in connection.execute(query):
        members.setdefault(group_id, []).append(ticket_id)
    for group_id, ids in members.items():
        connection.execute(_groups.update().where(_groups.c.id == group_id).values(ticket_ids=ids))
    op.drop_index("ix_ticket_lookalike_group_id", table_name="ticket")
    # Not a batch (it would copy the ticket table, which SQLite refuses while other tables refer to
    # it): SQLite drops a column in place since 3.35.
    op.execute("ALTER TABLE ticket DROP COLUMN lookalike_group_id")
