"""A mass outage's suggestion through the desk: it counts every report and lists a few."""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from sqlalchemy import Connection, select, text
from sqlmodel import col

from bot.lookalike import _listed
from core import lookalike
from core.desk import Agent
from core.lookalike_text import GROUP_SAMPLE
from core.messages import AGENT_DESK
from core.migrate import alembic_config
from core.models import OutboxMessage, Ticket
from core.services import Services
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
