"""A mass outage's suggestion through the desk: it counts every report and lists a few."""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, select, text
from sqlmodel import col

from bot.lookalike import _listed
from core import lookalike
from core.db import transaction
from core.desk import Agent
from core.lookalike_text import GROUP_SAMPLE
from core.messages import AGENT_DESK
from core.migrate import alembic_config
from core.models import Contact, OutboxMessage, Ticket, TicketType
from core.services import Services
from core.timeutil import utcnow
from tests.support.customers import CoreCustomer

ANNA = Agent("Anna", "7")
# More than the GROUP_SAMPLE latest reports a newcomer reads: the first ones are read apart.
REPORTS = GROUP_SAMPLE + 2


async def suggestions(services: Services) -> list[dict[str, Any]]:
    async with services.sessions() as session:
        query = (
            select(OutboxMessage)
            .where(col(OutboxMessage.channel) == AGENT_DESK, col(OutboxMessage.kind) == lookalike.EVENT)
            .order_by(col(OutboxMessage.id))
        )
        return [row.payload["meta"] for row in (await session.execute(query)).scalars()]


async def test_a_mass_outage_is_one_suggestion_that_counts_every_report_and_lists_the_first(
    services: Services,
) -> None:
    tickets: list[Ticket] = []
    for i in range(REPORTS):
        customer = CoreCustomer(services, f"customer{i}")
        tickets.append(await customer.open_ticket(f"Archive not recording on camera {i}"))
    shown = [t.number for t in tickets[: lookalike.SHOWN]]
    latest = (await suggestions(services))[-1]
    assert latest["count"] == REPORTS and latest["numbers"] == shown
    assert {meta["group"] for meta in await suggestions(services)} == {latest["group"]}  # one, edited

    # A customer who reported already is not counted twice; a closed report leaves the count.
    again = await CoreCustomer(services, "customer3").open_ticket("Archive not recording on camera 3 again")
    await services.desk.close(tickets[0].number, ANNA, "it was a cable")
    await CoreCustomer(services, f"customer{REPORTS}").open_ticket(f"Archive not recording on camera {REPORTS}")
    latest = (await suggestions(services))[-1]
    assert latest["count"] == REPORTS  # - the closed one + the newcomer; customer3's second report stays out
    assert latest["numbers"] == [t.number for t in tickets[1 : lookalike.SHOWN + 1]]
    async with services.sessions() as session:
        grouped = await session.execute(
            select(col(Ticket.number)).where(col(Ticket.lookalike_group_id) == latest["group"])
        )
        assert again.number not in set(grouped.scalars())

    # The first open report is the one the button makes the mass incident; the others are linked.
    async with services.sessions() as session:
        assert await lookalike.first_number(session, latest["group"]) == tickets[1].number
    linked = await services.desk.on_ticket(
        tickets[1].number, lambda s, t: lookalike.accept(s, latest["group"], t, ANNA), key="accept-1"
    )
    assert linked is not None and len(linked) == REPORTS - 1 and again.number not in linked
    accepted = (await suggestions(services))[-1]
    assert (
        accepted["accepted"] == "Anna" and accepted["count"] == REPORTS and accepted["numbers"][0] == tickets[1].number
    )


def test_a_long_list_of_numbers_is_cut_to_a_count() -> None:
    assert _listed(["#1", "#2"], 2, "en", ", ") == "#1, #2"
    assert _listed(["#1", "#2"], 40, "en", " ") == "#1 #2 and 38 more"
    assert _listed(["#1"], 3, "ru", " ") == "#1 и ещё 2"


async def test_the_migration_keeps_who_is_in_a_suggestion_both_ways(services: Services) -> None:
    tickets = [
        await CoreCustomer(services, f"c{i}").open_ticket(f"Archive not recording on camera {i}") for i in range(3)
    ]
    ids = sorted(t.id or 0 for t in tickets)

    def members_after_a_round_trip(connection: Connection) -> tuple[list[int], list[int]]:
        command.downgrade(alembic_config(connection), "0009_desk")
        listed = connection.execute(text("SELECT ticket_ids FROM lookalikegroup")).scalar_one()
        listed = json.loads(listed) if isinstance(listed, str) else listed
        command.upgrade(alembic_config(connection), "heads")
        named = connection.execute(text("SELECT id FROM ticket WHERE lookalike_group_id IS NOT NULL ORDER BY id"))
        return sorted(listed), list(named.scalars())

    async with services.engine.begin() as connection:
        listed, named = await connection.run_sync(members_after_a_round_trip)
    assert listed == ids and named == ids


async def _report(
    stack: AsyncExitStack, services: Services, contact_id: int, number: int, *, not_waiting: bool = False
) -> Ticket:
    """A report created the way new_ticket creates it, in a transaction left open on `stack`."""
    session = await stack.enter_async_context(transaction(services.sessions))
    if not_waiting:  # a lock this transaction would wait for fails it (PostgreSQL) instead
        await session.execute(text("SET LOCAL lock_timeout = '2s'"))
    now = utcnow()
    ticket = Ticket(
        number=number,  # not from the counter, whose row lock would make the two wait for each other
        type=TicketType.INCIDENT,
        subject=f"Archive not recording on camera {number}",
        description="The archive stopped recording this morning",
        channel="test",
        address=f"caller{number}",
        language="en",
        contact_id=contact_id,
        created_at=now,
        updated_at=now,
    )
    await lookalike.on_created(session, ticket, services.desk.limits.lookalike)
    session.add(ticket)
    await session.flush()
    return ticket


async def _contacts(services: Services, count: int) -> list[int]:
    async with transaction(services.sessions) as session:
        contacts = [Contact(name=f"caller {i}") for i in range(count)]
        session.add_all(contacts)
        await session.flush()
        return [c.id for c in contacts if c.id is not None]


async def _groups_and_counts(services: Services) -> tuple[set[int | None], int]:
    async with services.sessions() as session:
        groups = set((await session.execute(select(col(Ticket.lookalike_group_id)))).scalars())
    return groups, (await suggestions(services))[-1]["count"]


async def test_reports_of_one_outage_wait_for_each_other_only_at_their_commits(
    backend: str, services: Services
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite has one writer: its transactions never overlap")
    for i in range(3):
        await CoreCustomer(services, f"customer{i}").open_ticket(f"Archive not recording on camera {i}")
    first, second = await _contacts(services, 2)
    async with AsyncExitStack() as one, AsyncExitStack() as other:
        await _report(one, services, first, 9001)
        # The first report's transaction is still open: the second is placed meanwhile, not blocked.
        await _report(other, services, second, 9002, not_waiting=True)
        await one.aclose()  # its last step locks the suggestion, counts, queues the message, commits
    groups, count = await _groups_and_counts(services)
    assert len(groups) == 1 and None not in groups and count == 5


async def test_two_reports_forming_a_suggestion_at_once_form_one(backend: str, services: Services) -> None:
    for i in range(2):  # alike, but from too few customers to form a suggestion (LOOKALIKE_MIN_REPORTS=3)
        await CoreCustomer(services, f"customer{i}").open_ticket(f"Archive not recording on camera {i}")
    assert not await suggestions(services)
    first, second = await _contacts(services, 2)
    if backend == "sqlite":  # one writer: one transaction after the other
        async with AsyncExitStack() as one:
            await _report(one, services, first, 9001)
        async with AsyncExitStack() as other:
            await _report(other, services, second, 9002)
    else:
        async with AsyncExitStack() as one, AsyncExitStack() as other:
            await _report(one, services, first, 9001)
            # Both read no suggestion, both would form one; neither waits for the other while open.
            await _report(other, services, second, 9002, not_waiting=True)
            await one.aclose()
    groups, count = await _groups_and_counts(services)
    assert len(groups) == 1 and None not in groups and count == 4
