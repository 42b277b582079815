"""`kill -9` of `switchboard serve` in a burst of Telegram webhooks, then a restart on the same database;
and one update delivered to two instances (a load balancer's retry)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlmodel import col

from core.db import SessionFactory, create_engine, create_session_factory
from core.models import InboxEvent, Message, OutboxMessage, OutboxStatus
from core.services import Services
from core.settings import Settings
from core.timeutil import utcnow
from tests.fakes.telegram import SEND_METHODS, FakeTelegram, FakeUser
from tests.ops.instances import Instance, instance_env, running
from tests.ops.test_metrics import value
from tests.support.customers import CoreCustomer
from tests.support.servers import serve

SECRET = "webhook-secret-for-tests"
NEW_CUSTOMERS = 100
OLD_CUSTOMERS, MESSAGES_EACH = 10, 10  # customers with an open ticket, writing into it
DRAIN = 15.0  # seconds from the restart being ready to an empty backlog


class SlowApi:
    """The fake Bot API answering each send `delay` after it arrived, as api.telegram.org takes a
    while; it counts the sends it has received and not answered yet (in flight). A send whose
    sender died meanwhile still reaches the chat, as on Telegram."""

    def __init__(self, fake: FakeTelegram, delay: float) -> None:
        self.fake, self.delay, self.in_flight = fake, delay, 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        sending = scope["type"] == "http" and scope["path"].rsplit("/", 1)[-1] in SEND_METHODS
        if not sending:
            await self.fake.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        received = [{"type": "http.request", "body": body, "more_body": False}]

        async def replay() -> dict[str, Any]:
            return received.pop() if received else {"type": "http.disconnect"}

        self.in_flight += 1
        try:
            await asyncio.sleep(self.delay)
            await self.fake.app(scope, replay, send)
        finally:
            self.in_flight -= 1


@dataclass
class Burst:
    """Updates POSTed to one webhook, several at a time; each one's status (None: no answer)."""

    url: str
    statuses: dict[int, int | None] = field(default_factory=dict)

    async def post(self, updates: list[dict[str, Any]], *, at_once: int = 16, per_second: float = 1000) -> None:
        gate = asyncio.Semaphore(at_once)
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=at_once)) as client:

            async def one(update: dict[str, Any]) -> None:
                async with gate:
                    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                    try:
                        response = await client.post(self.url, json=update, headers=headers, timeout=10)
                    except httpx.TransportError:
                        self.statuses[update["update_id"]] = None
                    else:
                        self.statuses[update["update_id"]] = response.status_code

            tasks = []
            for update in updates:
                tasks.append(asyncio.create_task(one(update)))
                await asyncio.sleep(1 / per_second)
            await asyncio.gather(*tasks)

    def acknowledged(self) -> set[int]:
        return {update_id for update_id, status in self.statuses.items() if status == 200}


async def rows(sessions: SessionFactory, statement: Any) -> list[Any]:
    async with sessions() as session:
        return list((await session.execute(statement)).all())


async def until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float, every: float = 0.1) -> float:
    """Poll `condition`; the seconds it took."""
    started = time.monotonic()
    while not await condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(every)
    return time.monotonic() - started


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """CPU time a live process has used (user + system), from /proc."""
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def webhook_env(settings: Settings, fake: FakeTelegram, api_url: str, data_dir: Path) -> dict[str, str]:
    return instance_env(
        database_url=settings.resolved_database_url,
        data_dir=str(data_dir),
        telegram_bot_token=fake.token,
        telegram_api_url=api_url,
        telegram_agent_chat_id=str(fake.group_id),
        telegram_webhook_secret=SECRET,
        telegram_global_per_second="1000",
        telegram_chat_per_second="1000",
        telegram_group_per_minute="1000",
        default_language="en",
    )


async def open_tickets(settings: Settings, fake: FakeTelegram, count: int) -> list[FakeUser]:
    """Customers with an open ticket each, written through the core (their outbox is still to send)."""
    customers = [fake.user(f"Owner{i}") for i in range(count)]
    services = Services.build(settings)
    try:
        for customer in customers:
            await CoreCustomer(services, str(customer.id), channel="telegram").open_ticket(f"Camera {customer.id}")
    finally:
        await services.engine.dispose()
    return customers


def repeats(texts: list[str]) -> int:
    """How many of `texts` are a repeat of an earlier one."""
    return sum(n - 1 for n in Counter(texts).values())


async def test_kill_9_in_a_burst_loses_nothing_and_repeats_only_the_sends_in_flight(
    backend: str, migrated: Settings, tmp_path: Path
) -> None:
    fake = FakeTelegram()
    api = SlowApi(fake, delay=0.03)
    owners = await open_tickets(migrated, fake, OLD_CUSTOMERS)
    newcomers = [fake.user(f"New{i}") for i in range(NEW_CUSTOMERS)]
    hellos = [fake.new_update(message=c.message(text=f"{c.user['first_name']} says hello")) for c in newcomers]
    additions = [
        fake.new_update(message=owner.message(text=f"{owner.user['first_name']} adds {n}"))
        for n in range(MESSAGES_EACH)
        for owner in owners
    ]
    updates = [update for pair in zip(hellos, additions, strict=True) for update in pair]
    engine = create_engine(migrated.resolved_database_url)
    sessions = create_session_factory(engine)

    async def drained() -> bool:
        pending = await rows(
            sessions,
            select(col(OutboxMessage.id))
            .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
            .union_all(select(col(InboxEvent.id)).where(col(InboxEvent.status) == "pending")),
        )
        return not pending

    async def handled() -> bool:
        return not await rows(sessions, select(col(InboxEvent.id)).where(col(InboxEvent.status) == "pending"))

    try:
        async with serve(api) as api_url:
            env = webhook_env(migrated, fake, api_url, tmp_path / "data")
            first = Instance("before", env, tmp_path)
            try:
                await first.ready()
                await until(drained, "the tickets' topics and cards", timeout=60)
                watermark = max(message_id for _, message_id in fake.messages)
                burst = Burst(f"{first.url}/telegram/webhook")
                posting = asyncio.create_task(burst.post(updates, per_second=20))

                async def busy() -> bool:
                    if not api.in_flight or len(burst.acknowledged()) < len(updates) // 2:
                        return False
                    sent = [m for (_, message_id), m in fake.messages.items() if message_id > watermark]
                    return len(sent) >= len(updates) // 10

                # Every stage busy at the kill: updates arriving, stored ones waiting, a reply on its way.
                await until(busy, "half the burst acknowledged and a reply going out", timeout=30, every=0.005)
                in_flight = api.in_flight
                first.kill()
                killed, killed_at = time.monotonic(), utcnow()
            finally:
                first.stop()
            claimed = await rows(
                sessions,
                select(col(OutboxMessage.locked_until)).where(
                    col(OutboxMessage.status) == OutboxStatus.PENDING, col(OutboxMessage.locked_by).is_not(None)
                ),
            )
            leased = claimed + await rows(
                sessions,
                select(col(InboxEvent.locked_until)).where(
                    col(InboxEvent.status) == "pending", col(InboxEvent.locked_by).is_not(None)
                ),
            )
            # What the killed process held comes back within seconds (default leases), however fast the restart.
            held = max([(until_ - killed_at).total_seconds() for (until_,) in leased], default=0.0)
            leases = (Settings.model_fields[name].default for name in ("outbox_lease", "inbox_lease"))
            limit = max(leases) + 1  # the default leases, and a renewal's lag
            assert held < limit, f"the killed process's claims are held {held:.1f} s more"
            second = Instance("after", env, tmp_path)  # at once, as a supervisor restarts it
            try:
                await posting
                acknowledged = burst.acknowledged()
                assert set(burst.statuses.values()) <= {200, None}
                stored = {
                    int(external_id) for (external_id,) in await rows(sessions, select(col(InboxEvent.external_id)))
                }
                assert acknowledged <= stored, f"acknowledged, then lost: {sorted(acknowledged - stored)}"
                await second.ready()
                ready, cpu = time.monotonic(), cpu_seconds(second.process)
                # Telegram sends again what it had no answer for; we send all: repeats stop at the door.
                again = Burst(f"{second.url}/telegram/webhook")
                await again.post(updates)
                resent = time.monotonic() - ready
                assert set(again.statuses.values()) == {200}
                inbox_done = await until(handled, "the inbox to drain", timeout=60) + resent
                drain = await until(drained, "the outbox to drain", timeout=60) + inbox_done
                cpu = cpu_seconds(second.process) - cpu  # beside `drain`: how busy the machine was elsewhere
            finally:
                second.stop()
        events = await rows(sessions, select(col(InboxEvent.external_id), col(InboxEvent.status)))
        inbound = await rows(sessions, select(col(Message.external_id)).where(col(Message.direction) == "in"))
    finally:
        await engine.dispose()

    # Each update once in the inbox, each customer's message once in the tickets.
    assert sorted(int(event.external_id) for event in events) == sorted(update["update_id"] for update in updates)
    assert {event.status for event in events} == {"done"}
    keys = Counter(external_id for (external_id,) in inbound)
    assert [key for key, n in keys.items() if n > 1] == []
    assert {f"{u['message']['chat']['id']}:{u['message']['message_id']}" for u in updates} <= set(keys)
    # Each newcomer was answered; each addition reached the ticket's topic.
    answers = {c.id: [m["text"] for m in c.inbox() if m["message_id"] > watermark] for c in newcomers}
    assert [who for who, texts in answers.items() if not texts] == []
    topics = [m.get("text", "") for m in fake.chat_messages(fake.group_id) if m["message_id"] > watermark]
    relayed = [line for text in topics for line in text.split("\n\n")]
    additions_text = [u["message"]["text"] for u in additions]
    assert sorted(set(relayed) & set(additions_text)) == sorted(additions_text)
    answered_twice, relayed_twice = sum(repeats(texts) for texts in answers.values()), repeats(relayed)
    sent_twice = answered_twice + relayed_twice
    print(
        f"\n{backend}: {len(acknowledged)} of {len(updates)} acknowledged before the kill."
        f" At the kill: {len(claimed)} outbox rows claimed (held {held:.1f} s more at most),"
        f" {in_flight} sends unanswered by the Bot API. Sent twice: {answered_twice} answers,"
        f" {relayed_twice} relays. Ready {ready - killed:.1f} s after the kill, then resent in {resent:.1f} s,"
        f" inbox drained in {inbox_done:.1f} s, everything in {drain:.1f} s using {cpu:.1f} s of CPU"
    )
    assert sent_twice <= len(claimed)
    assert drain < DRAIN


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("several instances need PostgreSQL")


async def metric(instance: Instance, name: str, **labels: str) -> float:
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{instance.url}/metrics")).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return value(samples, name, **labels)


async def test_an_update_delivered_to_two_instances_is_handled_once(
    postgres_only: None, migrated: Settings, make_cluster_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    fake = FakeTelegram()
    racing = [fake.user(f"Racer{i}") for i in range(20)]  # the same POST to both at once
    retried = [fake.user(f"Retry{i}") for i in range(20)]  # to one, then again to the other
    shared = make_cluster_settings()
    engine = create_engine(migrated.resolved_database_url)
    sessions = create_session_factory(engine)
    try:
        async with serve(fake.app) as api_url:
            env = {
                **webhook_env(migrated, fake, api_url, tmp_path / "data"),
                "REDIS_URL": shared.redis_url,
                "REDIS_PREFIX": shared.redis_prefix,
            }
            async with running(2, env, tmp_path) as (first, second):
                doors = [Burst(f"{first.url}/telegram/webhook"), Burst(f"{second.url}/telegram/webhook")]
                updates = []
                for customer in racing:
                    update = fake.new_update(message=customer.message(text=f"{customer.user['first_name']} here"))
                    await asyncio.gather(*(door.post([update]) for door in doors))
                    updates.append(update)
                for customer in retried:
                    update = fake.new_update(message=customer.message(text=f"{customer.user['first_name']} here"))
                    await doors[0].post([update])
                    await doors[1].post([update])  # the balancer did not see the answer and tried the other
                    updates.append(update)
                assert [set(door.statuses.values()) for door in doors] == [{200}, {200}]

                async def answered() -> bool:
                    return all(customer.inbox() for customer in racing + retried)

                await until(answered, "every customer's answer", timeout=30)
                await asyncio.sleep(2)  # a second handling would send its answer by now
                stored = [
                    await metric(i, "switchboard_inbound_events_total", channel="telegram", outcome="stored")
                    for i in (first, second)
                ]
                repeats_ = [
                    await metric(i, "switchboard_inbound_events_total", channel="telegram", outcome="repeat")
                    for i in (first, second)
                ]
        events = await rows(sessions, select(col(InboxEvent.external_id)))
        inbound = await rows(sessions, select(col(Message.external_id)).where(col(Message.direction) == "in"))
    finally:
        await engine.dispose()
    assert sorted(int(external_id) for (external_id,) in events) == sorted(u["update_id"] for u in updates)
    assert sorted(external_id for (external_id,) in inbound) == sorted(
        f"{u['message']['chat']['id']}:{u['message']['message_id']}" for u in updates
    )
    assert {customer.id: len(customer.inbox()) for customer in racing + retried} == {
        customer.id: 1 for customer in racing + retried
    }
    assert (sum(stored), sum(repeats_)) == (len(updates), len(updates))
