from __future__ import annotations

import pytest
from sqlalchemy import select

from core.delivery import PermanentFailure
from core.desk import Agent, Desk, TicketNotFound
from core.mass import MassError
from core.messages import AGENT_DESK, OutboundMessage, SendResult
from core.models import OutboxMessage, Ticket, TicketStatus, TicketType
from core.services import Services
from core.timers import TimerLoop
from tests.support.customers import CoreCustomer, choice_ids, texts_of

ANNA = Agent("Anna", "7")


class Recorder:
    """A channel adapter that accepts everything but blocked addresses, so the worker's bookkeeping runs for real."""

    def __init__(self, name: str, blocked: frozenset[str] = frozenset()) -> None:
        self.name, self.blocked = name, blocked
        self.sent: list[OutboundMessage] = []

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.address in self.blocked:
            raise PermanentFailure("Forbidden: bot was blocked by the user")
        self.sent.append(message)
        return SendResult(external_id=f"{self.name}-{len(self.sent)}")


async def mark_and_link(desk: Desk, parent: Ticket, *children: Ticket) -> None:
    await desk.mark_mass(parent.number, ANNA)
    for child in children:
        await desk.link(parent.number, [child.number], ANNA)


async def desk_kinds(services: Services) -> list[tuple[str, str]]:
    async with services.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).where(OutboxMessage.channel == AGENT_DESK))).scalars()
        return [(row.kind, row.address) for row in rows]


async def test_linked_customers_get_the_broadcast_and_follow_the_solution(services: Services) -> None:
    owner = CoreCustomer(services, "owner")
    tg = CoreCustomer(services, "42", channel="telegram")
    wa = CoreCustomer(services, "79990001122", channel="whatsapp")
    web = CoreCustomer(services, "v1", channel="webchat")
    parent = await owner.open_ticket("Video archive unavailable")
    children = [await c.open_ticket(f"Archive broken {i}") for i, c in enumerate((tg, wa, web))]
    await mark_and_link(services.desk, parent, *children)
    for customer in (tg, wa, web):
        [linked] = texts_of(await customer.replies())
        assert "part of a known problem, #1001 “Video archive unavailable”" in linked

    await services.desk.broadcast(parent.number, ANNA, "Storage is being replaced, ETA 14:00")
    for customer, child in zip((tg, wa, web), children, strict=True):
        [update] = texts_of(await customer.replies())
        assert (
            update == f"#{child.number} · Update on “Video archive unavailable”: Storage is being replaced, ETA 14:00"
        )

    await services.desk.solve(parent.number, ANNA, "Storage replaced; archive is back.")
    for customer, child in zip((tg, wa, web), children, strict=True):
        [solved] = await customer.replies()
        assert solved.payload["text"].endswith("Storage replaced; archive is back.")
        assert choice_ids(solved) == [f"solved:{child.number}", f"unsolved:{child.number}"]
    async with services.sessions() as session:
        statuses = {t.number: t.status for t in (await session.execute(select(Ticket))).scalars()}
    assert set(statuses.values()) == {TicketStatus.SOLVED}
    kinds = await desk_kinds(services)
    assert kinds.count(("mass_broadcast", "1001")) == 2  # the update and the solution: one summary each
    assert not [k for k in kinds if k[0] == "status_changed" and k[1] != "1001"]  # children do not flood the desk


async def test_the_topic_learns_how_many_were_reached(services: Services) -> None:
    recorders = {name: Recorder(name) for name in ("whatsapp", "test")}
    recorders["telegram"] = Recorder("telegram", blocked=frozenset({"u4"}))
    services.adapters.update(recorders)
    owner = CoreCustomer(services, "owner")
    parent = await owner.open_ticket("Outage")
    customers = [CoreCustomer(services, f"u{i}", channel=("telegram", "whatsapp")[i % 2]) for i in range(6)]
    children = [await c.open_ticket(f"Down {i}") for i, c in enumerate(customers)]
    await mark_and_link(services.desk, parent, *children)
    await services.desk.broadcast(parent.number, ANNA, "We are on it")
    timers = TimerLoop(services.sessions, auto_close_days=3)
    assert await timers.run_once() == 0  # nothing reported while messages are still pending
    while await services.worker.run_once():
        pass
    assert await timers.run_once() == 1
    assert await timers.run_once() == 0
    async with services.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "mass_reached")
        [report] = (await session.execute(query)).scalars()
    meta = report.payload["meta"]
    assert (meta["linked"], meta["recipients"], meta["reached"], meta["failed"]) == (6, 7, 6, 1)
    updates = [m for r in recorders.values() for m in r.sent if "We are on it" in m.text]
    assert sorted(m.address for m in updates) == sorted(["owner", *(c.address for c in customers if c.address != "u4")])
    # The failure is in the report; no per-ticket alarm floods the agents' group.
    async with services.sessions() as session:
        rows = list((await session.execute(select(OutboxMessage))).scalars())
    [failed] = [row.id for row in rows if row.status == "failed" and "We are on it" in row.payload["text"]]
    assert failed not in [row.payload["meta"].get("outbox_id") for row in rows if row.kind == "delivery_failed"]


async def test_a_new_incident_report_is_offered_the_open_mass_incident(services: Services) -> None:
    parent = await CoreCustomer(services, "owner").open_ticket("Cameras offline in building B")
    await mark_and_link(services.desk, parent)
    before = await desk_kinds(services)

    bob = CoreCustomer(services, "bob")
    await bob.say("hi")
    [offer] = await bob.say(choice="type:incident")
    assert offer.payload["text"] == "Support is already working on a known problem. Is your problem this one?"
    assert choice_ids(offer) == ["mass:1001", "mass:none", "nav:cancel"]
    [joined] = texts_of(await bob.say(choice="mass:1001"))
    assert joined.startswith("Thank you. Your request #1002 is linked to the known problem #1001")
    async with services.sessions() as session:
        child = (await session.execute(select(Ticket).where(Ticket.number == 1002))).scalar_one()
    assert child.parent_id == parent.id and child.type == TicketType.INCIDENT
    # Joining posts nothing in the group: one event that only updates the count on the incident's card.
    assert await desk_kinds(services) == [*before, ("mass_joined", "1001")]

    carol = CoreCustomer(services, "carol")
    await carol.say("hello")
    await carol.say(choice="type:incident")
    [subject] = texts_of(await carol.say("2"))  # "No, something else", typed as its number
    assert subject.startswith("In a few words, what is it about?")


async def test_linking_mistakes_are_refused_with_a_reason(services: Services) -> None:
    first = await CoreCustomer(services, "a").open_ticket("One")
    second = await CoreCustomer(services, "b").open_ticket("Two")
    with pytest.raises(MassError, match="not an open mass incident"):
        await services.desk.link(first.number, [second.number], ANNA)
    await mark_and_link(services.desk, first, second)
    with pytest.raises(MassError, match="already linked"):
        await mark_and_link(services.desk, first, second)
    with pytest.raises(MassError, match="nothing to send"):
        await services.desk.broadcast(first.number, ANNA, "  ")


async def test_linking_an_unknown_ticket_links_none_of_them(services: Services) -> None:
    parent = await CoreCustomer(services, "a").open_ticket("Outage")
    child = await CoreCustomer(services, "b").open_ticket("Down")
    await services.desk.mark_mass(parent.number, ANNA)
    with pytest.raises(TicketNotFound):
        await services.desk.link(parent.number, [child.number, 99999], ANNA)
    async with services.sessions() as session:
        assert (await session.get(Ticket, child.id)).parent_id is None  # type: ignore[union-attr]
