"""Lookups on the hot inbound path use an index on both databases (their cost must not grow with the tables)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from core.db import create_engine
from core.express import _LOOKUP
from core.lookalike import _RECENT, _SAMPLE
from core.models import Message
from core.settings import Settings

# ticket_replied_to (core/conversation.py): which ticket the customer's reply belongs to.
REPLY_LOOKUP = select(col(Message.ticket_id)).where(
    col(Message.channel) == "telegram", col(Message.address) == "42", col(Message.external_id) == "42:7"
)
# The express lane's senders, a batch with two of them.
SENDERS = _LOOKUP.params(
    senders=[("telegram", "41"), ("telegram", "42")], channels=["telegram"], addresses=["41", "42"]
)


async def plan(settings: Settings, query: Any) -> str:
    engine = create_engine(settings.resolved_database_url)
    try:
        async with engine.connect() as connection:
            sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
            if connection.dialect.name == "sqlite":
                rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
                return "\n".join(str(row[-1]) for row in rows)
            # Empty tables: tell the planner what a big table would make it prefer.
            await connection.exec_driver_sql("SET enable_seqscan = off")
            return "\n".join(str(row[0]) for row in await connection.exec_driver_sql(f"EXPLAIN {sql}"))
    finally:
        await engine.dispose()


async def test_the_reply_lookup_searches_an_index(migrated: Settings) -> None:
    found = await plan(migrated, REPLY_LOOKUP)
    assert "ix_message_reply_lookup" in found, found


async def test_the_express_lanes_sender_lookup_searches_the_identity_index(migrated: Settings) -> None:
    found = await plan(migrated, SENDERS)
    assert "SCAN identity" not in found and "Seq Scan on identity" not in found, found
    assert "identity_1" in found or "identity_channel_address_key" in found, found


async def test_look_alike_placing_walks_an_index_that_stops_at_its_limits(migrated: Settings) -> None:
    """A newcomer's reads must not grow with a suggestion (hundreds of reports in a mass outage) or
    with the table: the recent reports in none are a range of ix_ticket_lookalike by creation time,
    and a suggestion's first and latest reports its ordered walks, with no sort of all of them."""
    since = datetime(2026, 12, 7, tzinfo=UTC)
    recent = await plan(migrated, _RECENT.params(since=since, me=0, customer=1))
    sample = await plan(migrated, _SAMPLE.params(group=1))
    if migrated.resolved_database_url.startswith("sqlite"):
        assert "ix_ticket_lookalike (lookalike_group_id=? AND created_at>?)" in recent, recent
        assert sample.count("ix_ticket_lookalike (lookalike_group_id=?)") == 2, sample
        assert "TEMP B-TREE" not in sample and "SCAN ticket" not in sample, sample
    else:
        assert "ix_ticket_lookalike on ticket" in recent and "created_at >=" in recent, recent
        assert sample.count("ix_ticket_lookalike on ticket") == 2 and "Sort" not in sample, sample
