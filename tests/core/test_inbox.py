"""The core inbox with a test channel's parser, in the real app: order, duplicates, parking, crashes."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text
from sqlmodel import col

from core import inbox as inbox_module
from core import inbox_queue, loop
from core.db import transaction
from core.inbox import Unprocessable
from core.inbox_queue import DONE, PARKED, claim
from core.messages import AGENT_DESK, InboundMessage
from core.models import InboxEvent, Message, OutboxMessage
from core.services import Services
from core.settings import Settings
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.support.customers import CoreCustomer
from tests.support.servers import serve
from tests.switchboard.test_contracts_cli import switchboard

CHANNEL = "test"


@dataclass
class Recorder:
    """The test channel's parser: `{"id", "from", "text"}` -> one message; `"poison"` raises,
    `"unreadable"` raises `Unprocessable`."""

    calls: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    busy: set[str] = field(default_factory=set)
    overlaps: list[str] = field(default_factory=list)

    async def __call__(self, payload: str) -> list[InboundMessage]:
        data = json.loads(payload)
        sender = data["from"]
        if sender in self.busy:
            self.overlaps.append(sender)
        self.busy.add(sender)
        try:
            await asyncio.sleep(random.random() / 200)  # let conversations interleave
            self.calls[sender].append(data["id"])
            if data.get("poison"):
                raise ValueError("cannot read this event")
            if data.get("unreadable"):
                raise Unprocessable("no sender in this event")
        finally:
            self.busy.discard(sender)
        return [InboundMessage(channel=CHANNEL, sender=sender, external_id=data["id"], text=data["text"])]


def event(sender: str, number: int, **extra: object) -> tuple[str, str, str, str]:
    ident = f"{sender}-{number}"
    return CHANNEL, ident, sender, json.dumps({"id": ident, "from": sender, "text": f"{sender} says {number}", **extra})


@pytest.fixture
async def app(migrated: Settings, make_settings: Callable[..., AppSettings]) -> AsyncIterator[FastAPI]:
    settings = make_settings(inbox_max_attempts=3, inbox_retry_base=0.05, inbox_lease=1.0)
    built = build_app(settings)
    async with serve(built):
        yield built


def services_of(app: FastAPI) -> Services:
    services: Services = app.state.services
    return services


async def settled(services: Services, count: int, timeout: float = 20.0) -> list[InboxEvent]:
    """Wait until `count` events are done or parked; all events."""
    async with asyncio.timeout(timeout):
        while True:
            async with services.sessions() as session:
                rows = list((await session.execute(select(InboxEvent).order_by(InboxEvent.id))).scalars())  # type: ignore[arg-type]
            if sum(row.status in (DONE, PARKED) for row in rows) >= count:
                return rows
            await asyncio.sleep(0.05)


async def texts_by_sender(services: Services) -> dict[str, list[str]]:
    async with services.sessions() as session:
        rows = (await session.execute(select(Message).where(Message.direction == "in").order_by(Message.id))).scalars()  # type: ignore[arg-type]
        found: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            found[row.address].append(row.text)
    return found


async def test_events_of_one_conversation_are_handled_in_arrival_order(app: FastAPI) -> None:
    services, parser = services_of(app), Recorder()
    services.inbox.register(CHANNEL, parser)
    senders = [f"s{n}" for n in range(6)]
    for number in range(15):
        await asyncio.gather(*(services.inbox.store(*event(sender, number)) for sender in senders))
    await settled(services, 90)
    texts = await texts_by_sender(services)
    for sender in senders:
        assert texts[sender] == [f"{sender} says {n}" for n in range(15)]
        assert parser.calls[sender] == [f"{sender}-{n}" for n in range(15)]
    assert parser.overlaps == []


async def test_a_platform_retry_is_dropped_at_the_door(app: FastAPI) -> None:
    services = services_of(app)
    services.inbox.register(CHANNEL, Recorder())
    first, again, together = await asyncio.gather(
        services.inbox.store(*event("ann", 1)),
        services.inbox.store(*event("ann", 1)),
        services.inbox.store(*event("ann", 1)),
    )
    assert [first, again, together] == [True, False, False]
    assert not await services.inbox.store(*event("ann", 1))
    rows = await settled(services, 1)
    assert len(rows) == 1
    assert (await texts_by_sender(services))["ann"] == ["ann says 1"]


async def test_a_poison_event_is_parked_and_the_senders_later_messages_flow(app: FastAPI) -> None:
    services = services_of(app)
    services.inbox.register(CHANNEL, Recorder())
    await services.inbox.store(*event("bob", 1, poison=True))
    await services.inbox.store(*event("bob", 2))
    rows = await settled(services, 2)
    assert [row.status for row in rows] == [PARKED, DONE]
    assert rows[0].attempts == 3 and "cannot read this event" in (rows[0].last_error or "")
    assert (await texts_by_sender(services))["bob"] == ["bob says 2"]
    async with services.sessions() as session:
        told = (
            await session.execute(select(OutboxMessage).where(col(OutboxMessage.kind) == "inbound_parked"))
        ).scalar_one()
    # bob had no ticket when it was parked: the agents' General topic hears of it.
    assert (told.channel, told.address) == (AGENT_DESK, "general")
    assert told.payload["meta"]["event_id"] == rows[0].id and told.payload["meta"]["general"]

    await CoreCustomer(services, "bob").open_ticket()
    await services.inbox.store(*event("bob", 3, poison=True))
    await settled(services, 3)
    async with services.sessions() as session:
        latest = (
            (
                await session.execute(
                    select(OutboxMessage)
                    .where(col(OutboxMessage.kind) == "inbound_parked")
                    .order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
                )
            )
            .scalars()
            .first()
        )
    assert latest is not None and latest.ticket_id is not None  # now in bob's ticket


async def test_an_unprocessable_event_is_parked_at_once_with_its_reason(app: FastAPI) -> None:
    services, parser = services_of(app), Recorder()
    services.inbox.register(CHANNEL, parser)
    await services.inbox.store(*event("fay", 1, unreadable=True))
    await services.inbox.store(*event("fay", 2))
    rows = await settled(services, 2)
    assert [row.status for row in rows] == [PARKED, DONE]
    # Tried once, not INBOX_MAX_ATTEMPTS times: no retry can give the event a sender.
    assert parser.calls["fay"] == ["fay-1", "fay-2"]
    assert (rows[0].attempts, rows[0].last_error) == (1, "Unprocessable: no sender in this event")
    assert (await texts_by_sender(services))["fay"] == ["fay says 2"]
    async with services.sessions() as session:
        told = (
            await session.execute(select(OutboxMessage).where(col(OutboxMessage.kind) == "inbound_parked"))
        ).scalar_one()
    assert told.payload["meta"]["event_id"] == rows[0].id
    assert told.payload["meta"]["reason"] == "Unprocessable: no sender in this event"


async def test_a_burst_is_stored_through_one_kept_connection(backend: str, services: Services) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite's engine has one connection anyway")
    checkouts: list[object] = []
    inserts: list[str] = []
    engine = services.engine.sync_engine
    sa_event.listen(engine, "checkout", lambda *_: checkouts.append(1))

    @sa_event.listens_for(engine, "before_cursor_execute")
    def _count(_connection: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("INSERT INTO inbox_event"):
            inserts.append(statement)

    for number in range(20):  # a door at a time waits for its batch: 20 batches at least
        stored = await asyncio.gather(*(services.inbox.store(*event(f"b{n}", number)) for n in range(8)))
        assert all(stored)
    assert len(inserts) >= 20
    assert len(checkouts) == 1, "one connection taken from the pool (and pinged) for the burst, not one a batch"
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxEvent)) == 160


async def test_an_event_stored_as_the_writer_stops_waiting_is_still_written(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    late: list[asyncio.Task[bool]] = []

    async def arriving_at_the_timeout(event_: asyncio.Event, seconds: float) -> bool:
        if late:
            return await loop.wait_event(event_, seconds)
        await asyncio.sleep(seconds)
        # The wait has timed out; before the writer looks again, a door stores an event and, with
        # the writer still running, starts none.
        late.append(asyncio.create_task(services.inbox.store(*event("late", 1))))
        await asyncio.sleep(0)
        return False

    monkeypatch.setattr(inbox_module, "wait_event", arriving_at_the_timeout)
    assert await services.inbox.store(*event("early", 1))
    while not late:
        await asyncio.sleep(0.01)
    assert await asyncio.wait_for(late[0], 5), "the late event was written, not left waiting"
    await services.inbox.close()


async def test_a_kept_connection_killed_mid_burst_fails_no_store(backend: str, services: Services) -> None:
    if backend == "sqlite":
        pytest.skip("no connection of SQLite's can be killed from outside")
    stored: list[bool] = []

    async def door() -> None:
        for number in range(150):
            stored.append(await services.inbox.store(*event("k", number)))
            await asyncio.sleep(0.002)

    burst = asyncio.create_task(door())
    while len(stored) < 50:
        await asyncio.sleep(0.005)
    async with services.engine.connect() as connection:
        killed = (
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        ).all()
    assert killed, "the door's kept connection was there to kill"
    await burst
    assert stored == [True] * 150, "a store on the killed connection ran again on a new one"
    async with services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxEvent)) == 150


async def test_a_crashed_workers_events_are_taken_again_after_its_lease(app: FastAPI) -> None:
    services, parser = services_of(app), Recorder()
    for number in range(5):
        await services.inbox.store(*event("cat", number))
    # A worker that claims and dies: its lease (short, never renewed) runs out.
    async with transaction(services.sessions) as session:
        taken = await claim(session, [CHANNEL], "dead-worker", 1.0, 100)
    assert len(taken) == 5
    services.inbox.register(CHANNEL, parser)
    services.inbox.wake()
    await asyncio.sleep(0.5)
    assert parser.calls["cat"] == []  # still leased by the dead worker
    await settled(services, 5, timeout=5)
    assert parser.calls["cat"] == [f"cat-{n}" for n in range(5)]
    assert (await texts_by_sender(services))["cat"] == [f"cat says {n}" for n in range(5)]


def several_instances(backend: str) -> None:
    if backend == "sqlite":
        # The inline driver waits for SQLite's lock inside the event loop: one instance per file.
        pytest.skip("several instances need PostgreSQL")


async def test_a_live_worker_keeps_its_events_past_the_lease(
    backend: str, migrated: Settings, make_settings: Callable[..., AppSettings]
) -> None:
    several_instances(backend)
    # A lease long enough that a renewal every third of it survives a loaded CI machine (0.3 s did
    # not: one renewal came late and the second instance took the event).
    settings = make_settings(inbox_lease=1.2)
    first, second = build_app(settings), build_app(settings)
    slow_calls: list[str] = []

    async def slow(payload: str) -> list[InboundMessage]:
        slow_calls.append(json.loads(payload)["id"])
        await asyncio.sleep(4.0)  # more than three leases
        return []

    async with serve(first):
        services_of(first).inbox.register(CHANNEL, slow)
        await services_of(first).inbox.store(*event("dan", 1))
        await asyncio.sleep(0.2)
        async with serve(second):
            services_of(second).inbox.register(CHANNEL, slow)
            await settled(services_of(first), 1)
    assert slow_calls == ["dan-1"]


async def test_a_batch_ending_during_a_lease_renewal_lets_it_finish(
    backend: str, migrated: Settings, make_settings: Callable[..., AppSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renewal's statement is held by a row lock while the batch ends: it must finish, not be
    cancelled in mid-statement (its connection was then closed, and under a burst the closing was
    cancelled too: an ERROR from the pool in the log)."""
    if backend == "sqlite":
        pytest.skip("holding one row needs PostgreSQL's row locks (SQLite's lock would hold the whole worker)")
    renewals: list[str] = []
    real_renew = inbox_queue.renew

    async def renew(*args: object) -> None:
        try:
            await real_renew(*args)  # type: ignore[arg-type]
        except asyncio.CancelledError:
            renewals.append("cancelled")
            raise
        renewals.append("done")

    monkeypatch.setattr(inbox_module, "renew", renew)
    built = build_app(make_settings(inbox_lease=0.6))  # a renewal every 0.2 s
    started, release = asyncio.Event(), asyncio.Event()

    async def held(payload: str) -> list[InboundMessage]:
        started.set()
        await release.wait()
        return []

    async with serve(built):
        services = services_of(built)
        services.inbox.register(CHANNEL, held)
        await services.inbox.store(*event("eve", 1))
        await asyncio.wait_for(started.wait(), 10)
        async with transaction(services.sessions) as locker:
            await locker.execute(select(InboxEvent).with_for_update())
            await asyncio.sleep(0.5)  # the next renewal now waits for this lock
            release.set()  # and the batch ends while it waits
            await asyncio.sleep(0.3)
        [row] = await settled(services, 1)
    assert row.status == DONE
    assert renewals and set(renewals) == {"done"}, renewals


async def test_two_instances_never_handle_one_event_twice(
    backend: str, migrated: Settings, make_settings: Callable[..., AppSettings]
) -> None:
    several_instances(backend)
    settings = make_settings()
    apps = [build_app(settings), build_app(settings)]
    parsers = [Recorder(), Recorder()]
    async with serve(apps[0]), serve(apps[1]):
        for app, parser in zip(apps, parsers, strict=True):
            services_of(app).inbox.register(CHANNEL, parser)
        senders = [f"p{n}" for n in range(10)]
        for number in range(20):
            door = services_of(apps[number % 2]).inbox
            await asyncio.gather(*(door.store(*event(sender, number)) for sender in senders))
        await settled(services_of(apps[0]), 200)
        texts = await texts_by_sender(services_of(apps[0]))
    handled = [ident for parser in parsers for calls in parser.calls.values() for ident in calls]
    assert len(handled) == len(set(handled)) == 200
    for sender in senders:
        assert texts[sender] == [f"{sender} says {n}" for n in range(20)]


async def test_inbox_list_and_retry_on_the_command_line(
    app: FastAPI, make_settings: Callable[..., AppSettings]
) -> None:
    services = services_of(app)
    services.inbox.register(CHANNEL, Recorder())
    await services.inbox.store(*event("eve", 1, poison=True))
    rows = await settled(services, 1)
    settings = make_settings().core
    code, out, _ = await switchboard(settings, "inbox", "list")
    assert code == 0 and f"{rows[0].id}\ttest\teve" in out and "cannot read this event" in out

    fixed = Recorder()
    services.inbox.register(CHANNEL, fixed)
    async with transaction(services.sessions) as session:  # the cause is fixed: the event now reads
        row = await session.get(InboxEvent, rows[0].id)
        assert row is not None
        row.payload = json.dumps({"id": "eve-1", "from": "eve", "text": "eve says 1"})
    code, out, _ = await switchboard(settings, "inbox", "retry", "--all")
    assert (code, out.strip()) == (0, "1 event(s) queued again")
    services.inbox.wake()
    async with asyncio.timeout(10):
        while (await texts_by_sender(services))["eve"] != ["eve says 1"]:
            await asyncio.sleep(0.05)
    code, out, _ = await switchboard(settings, "inbox", "list")
    assert out.strip() == "no parked events"
    async with services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(InboxEvent))).scalar_one() == 1
