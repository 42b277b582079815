from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from core.desk import Agent
from core.messages import AGENT_DESK
from core.migrate import upgrade
from core.models import OutboxMessage, SlaClock, Ticket
from core.services import Services
from core.settings import Settings
from core.timers import TimerLoop
from tests.support.contracts import office_levels
from tests.support.customers import CoreCustomer

ANNA = Agent("Anna", "7")


def loop_of(services: Services) -> TimerLoop:
    return TimerLoop(services.sessions, auto_close_days=3)


async def desk_events(services: Services, *kinds: str) -> list[OutboxMessage]:
    async with services.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind.in_(kinds))  # type: ignore[attr-defined]
        return list((await session.execute(query.order_by(OutboxMessage.id))).scalars())  # type: ignore[arg-type]


async def first_response(services: Services, ticket: Ticket) -> SlaClock:
    async with services.sessions() as session:
        query = select(SlaClock).where(SlaClock.ticket_id == ticket.id, SlaClock.target == "first_response")
        return (await session.execute(query)).scalar_one()


async def test_a_warning_and_a_breach_are_posted_once_each(services: Services) -> None:
    await office_levels(services, default="premium")  # 30 minutes to answer an incident, 24/7
    await services.desk.take((ticket := await CoreCustomer(services).open_ticket()).number, ANNA)
    clock = await first_response(services, ticket)
    assert clock.warn_at is not None and clock.due_at is not None
    loop = loop_of(services)

    assert await loop.run_once(clock.warn_at - timedelta(seconds=1)) == 0
    assert await loop.run_once(clock.warn_at) == 1
    assert await loop.run_once(clock.warn_at + timedelta(minutes=1)) == 0
    assert await loop.run_once(clock.due_at) == 1
    assert await loop.run_once(clock.due_at + timedelta(hours=1)) == 0  # resolution (4 h) not yet near

    events = await desk_events(services, "sla_warning", "sla_breach")
    assert [(e.kind, e.address, e.payload["meta"]["target"]) for e in events] == [
        ("sla_warning", str(ticket.number), "first_response"),
        ("sla_breach", str(ticket.number), "first_response"),
    ]
    assert events[0].payload["meta"]["assignee"] == "Anna" and events[0].payload["meta"]["level"] == "premium"
    assert events[1].payload["meta"]["general"] is True  # breaches are also listed in the general topic


async def test_timers_fire_once_after_a_restart(settings: Settings, services: Services) -> None:
    await office_levels(services, default="premium")
    clock = await first_response(services, await CoreCustomer(services).open_ticket())
    assert clock.due_at is not None
    assert await loop_of(services).run_once(clock.due_at) == 1  # breach (the warning is folded into it)

    restarted = Services.build(settings)  # a new process: new engine, nothing in memory
    try:
        assert await loop_of(restarted).run_once(clock.due_at + timedelta(minutes=5)) == 0
    finally:
        await restarted.engine.dispose()
    assert [e.kind for e in await desk_events(services, "sla_warning", "sla_breach")] == ["sla_breach"]


async def test_several_instances_fire_each_timer_once(settings: Settings, backend: str) -> None:
    first = Services.build(settings)
    await upgrade(first.engine)
    # SQLite serves one process; there the "instances" are concurrent loops of one.
    instances = [first, *(Services.build(settings) if backend == "postgres" else first for _ in range(2))]
    try:
        await office_levels(first, default="premium")
        customers = [CoreCustomer(first, f"c{i}") for i in range(4)]
        tickets = [await customer.open_ticket(f"Problem {i}") for i, customer in enumerate(customers)]
        due = max([(await first_response(first, t)).due_at for t in tickets])  # type: ignore[type-var]
        assert due is not None
        fired = await asyncio.gather(*(loop_of(i).run_once(due) for i in instances for _ in range(2)))
        assert sum(fired) == len(tickets)
        breaches = await desk_events(first, "sla_breach", "sla_warning")
        assert sorted(e.address for e in breaches) == sorted(str(t.number) for t in tickets)
    finally:
        for instance in {id(i): i for i in instances}.values():
            await instance.engine.dispose()


async def test_a_paused_or_answered_clock_does_not_fire(services: Services) -> None:
    await office_levels(services, default="premium")
    answered = await CoreCustomer(services, "alice").open_ticket("Answered")
    waiting = await CoreCustomer(services, "bob").open_ticket("Waiting")
    await services.desk.reply(answered.number, ANNA, "On it")
    await services.desk.ask(waiting.number, ANNA, "Which model?")
    clocks = [await first_response(services, ticket) for ticket in (answered, waiting)]
    response_due = max(clock.due_at for clock in clocks if clock.due_at is not None)
    fired = await loop_of(services).run_once(response_due + timedelta(minutes=1))
    # Only the resolution clock of the answered ticket runs (4 h); nothing is due yet at +31 min.
    assert fired == 0 and await desk_events(services, "sla_warning", "sla_breach") == []
