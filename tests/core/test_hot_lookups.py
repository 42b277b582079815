"""Lookups on the hot inbound path use an index on both databases (their cost must not grow with the tables)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlmodel import col

from core.db import create_engine
from core.express import _LOOKUP
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


async def plan(settings: Settings, query: Select[Any]) -> str:
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
