"""look-alike placing walks an index of (suggestion, creation time) instead of a suggestion's every report

A newcomer's read ranked every report of each open suggestion with window functions: in a mass
outage it grew with the suggestion (3.9 ms a mail on SQLite at ~600 reports, bench.email_inbound),
and the recent reports in no suggestion had no index on their creation time. This index makes both
ordered walks that stop at their limit; it replaces the one on the suggestion alone, its prefix.

Revision ID: 0016_lookalike_index
Revises: 0015_lookalike_members
Create Date: 2026-12-07 17:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0016_lookalike_index"
down_revision = "0015_lookalike_members"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_ticket_lookalike", "ticket", ["lookalike_group_id", "created_at", "id"], unique=False)
    op.drop_index("ix_ticket_lookalike_group_id", table_name="ticket")


def downgrade() -> None:
    op.create_index("ix_ticket_lookalike_group_id", "ticket", ["lookalike_group_id"], unique=False)
    op.drop_index("ix_ticket_lookalike", table_name="ticket")
