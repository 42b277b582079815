"""Two `switchboard serve` processes on one PostgreSQL and one Redis, Telegram in webhook mode."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, update

from core.db import create_engine, create_session_factory, transaction
from core.messages import OutboundMessage
from core.models import OutboxMessage, OutboxStatus, SlaClock, Ticket
from core.outbox import enqueue
from core.services import Services
from core.settings import Settings
from core.timeutil import utcnow
from tests.channels.webchat.visitor import Visitor
from tests.fakes.telegram import FakeTelegram
from tests.ops.instances import Instance, instance_env, running
from tests.ops.test_metrics import value
from tests.support.contracts import office_levels
from tests.support.servers import serve

SECRET = "webhook-secret-for-tests"


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("several instances need PostgreSQL")


@pytest.fixture
async def cluster(
    request: pytest.FixtureRequest,
    postgres_only: None,
    migrated: Settings,
    make_cluster_settings: Callable[..., Settings],
    tmp_path: Path,
) -> AsyncIterator[tuple[FakeTelegram, list[Instance], Settings]]:
    fake = FakeTelegram()
    limit = request.node.get_closest_marker("telegram_global_per_second")
    shared = make_cluster_settings()
    async with serve(fake.app, access_log=False) as api_url:
        env = instance_env(
            database_url=migrated.resolved_database_url,
            data_dir=str(tmp_path / "data"),
            redis_url=shared.redis_url,
            redis_prefix=shared.redis_prefix,
            telegram_bot_token=fake.token,
            telegram_api_url=api_url,
            telegram_agent_chat_id=str(fake.group_id),
            telegram_webhook_secret=SECRET,
            telegram_global_per_second=str(limit.args[0]) if limit else "1000",
            telegram_chat_per_second="1000",
            telegram_group_per_minute="1000",
            outbox_poll_interval="0.5",
            timers_poll_interval="0.2",
            default_language="en",
        )
        async with running(2, env, tmp_path) as instances:
            yield fake, instances, migrated
        await fake.close()


async def via(fake: FakeTelegram, instance: Instance, send: Callable[[], Awaitable[Any]]) -> None:
    """Deliver the next update to this instance, as a load balancer would."""
    fake.webhook_url, fake.webhook_secret = f"{instance.url}/telegram/webhook", SECRET
    await send()


async def scrape(instance: Instance) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{instance.url}/metrics")).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_a_thousand_messages_are_each_delivered_exactly_once(
    cluster: tuple[FakeTelegram, list[Instance], Settings],
) -> None:
    fake, (first, second), settings = cluster
    customers = [fake.user(f"C{i}") for i in range(40)]
    # Customers write through both instances; each queues its greeting in the shared outbox.
    for i, customer in enumerate(customers):
        await via(fake, (first, second)[i % 2], partial(customer.send, "hello"))
    assert set(fake.webhook_statuses) == {200}
    engine = create_engine(settings.resolved_database_url)
    sessions = create_session_factory(engine)
    try:
        expected: dict[int, list[str]] = defaultdict(list)
        for batch in range(4):
            async with sessions() as session, session.begin():
                for n in range(250):
                    customer = customers[n % len(customers)]
                    text = f"update {batch}-{n}"
                    enqueue(session, OutboundMessage(channel="telegram", address=str(customer.id), text=text))
                    expected[customer.id].append(text)
            await asyncio.sleep(0.2)  # queued while both are busy sending
        deadline = time.monotonic() + 180
        while True:
            async with sessions() as session:
                pending = (
                    await session.execute(
                        select(func.count())
                        .select_from(OutboxMessage)
                        .where(OutboxMessage.status == OutboxStatus.PENDING)  # type: ignore[arg-type]
                    )
                ).scalar_one()
            if not pending:
                break
            assert time.monotonic() < deadline, f"{pending} still pending"
            await asyncio.sleep(0.2)
        async with sessions() as session:
            statuses = Counter((await session.execute(select(OutboxMessage.status))).scalars())  # type: ignore[call-overload]
    finally:
        await engine.dispose()

    assert statuses == {OutboxStatus.SENT: 1000 + len(customers)}
    for customer in customers:
        updates = [t for t in customer.texts() if t.startswith("update ")]
        assert updates == expected[customer.id]  # each once, in the order queued
    metrics = [await scrape(instance) for instance in (first, second)]
    sent = [value(m, "switchboard_outbound_messages_total", channel="telegram", outcome="sent") for m in metrics]
    assert all(count > 0 for count in sent), f"one instance did all the work: {sent}"
    assert sum(sent) == 1000 + len(customers)
    # Each instance's doors took the half sent to it; the messages were handled once, by either.
    stored = [value(m, "switchboard_inbound_events_total", channel="telegram", outcome="stored") for m in metrics]
    assert stored == [len(customers) / 2] * 2
    handled = [value(m, "switchboard_inbound_messages_total", channel="telegram") for m in metrics]
    assert sum(handled) == len(customers)


async def test_a_visitor_on_one_instance_gets_the_reply_an_agent_sends_through_the_other(
    cluster: tuple[FakeTelegram, list[Instance], Settings],
) -> None:
    fake, (first, second), _ = cluster
    async with Visitor(first.url) as visitor:
        registered = await visitor.open_ticket("Printer on floor 3")
        number = int(re.search(r"\d{3,}", registered["text"]).group())  # type: ignore[union-attr]
        thread = await fake.wait_for(
            lambda: next((tid for tid, topic in fake.topics.items() if str(number) in topic.name), None),
            f"the topic of ticket #{number}",
        )
        bob = fake.agent("Bob")
        await via(fake, second, lambda: bob.send("Try <b>restarting</b> it", thread_id=thread))
        reply = await visitor.reply_with(lambda e: "restarting" in e["text"])
    assert reply["text"].endswith("Try <b>restarting</b> it")  # text, not markup
    assert fake.webhook_statuses[-1] == 200


async def test_an_sla_warning_is_posted_once_by_two_instances(
    cluster: tuple[FakeTelegram, list[Instance], Settings],
) -> None:
    _fake, instances, settings = cluster
    services = Services.build(settings)
    try:
        await office_levels(services, default="premium")  # incidents: first response within 30 min
        async with Visitor(instances[0].url) as visitor:
            registered = await visitor.open_ticket("Cameras offline")
        number = int(re.search(r"\d{3,}", registered["text"]).group())  # type: ignore[union-attr]
        async with transaction(services.sessions) as session:
            ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()  # type: ignore[arg-type]
            # Skip the 25 minutes: the warning is due now, on both instances' timer loops at once.
            await session.execute(
                update(SlaClock)
                .where(SlaClock.ticket_id == ticket.id, SlaClock.target == "first_response")  # type: ignore[arg-type]
                .values(warn_at=utcnow())
            )

        async def warnings() -> list[OutboxMessage]:
            async with services.sessions() as session:
                query = select(OutboxMessage).where(OutboxMessage.kind == "sla_warning")  # type: ignore[arg-type]
                return list((await session.execute(query)).scalars())

        deadline = time.monotonic() + 20
        while not [row for row in await warnings() if row.status == OutboxStatus.SENT]:
            assert time.monotonic() < deadline, f"no warning sent: {await warnings()}"
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # ten more timer passes on each instance
        [warning] = await warnings()
    finally:
        await services.engine.dispose()
    assert warning.address == str(number)
    metrics = [await scrape(instance) for instance in instances]
    assert sum(value(m, "switchboard_sla_events_total", kind="warning") for m in metrics) == 1


@pytest.mark.telegram_global_per_second(4)
async def test_two_instances_keep_to_one_global_telegram_rate(
    cluster: tuple[FakeTelegram, list[Instance], Settings],
) -> None:
    fake, instances, settings = cluster
    # Telegram allows ~30 messages/s per bot, whatever the number of our processes: counted in Redis.
    fake.limit("global", 7, per=1.0)  # over 8/s if each instance kept its own 4/s budget
    customers = [fake.user(f"R{i}") for i in range(4)]
    for i, customer in enumerate(customers):
        await via(fake, instances[i % 2], partial(customer.send, "hello"))
    engine = create_engine(settings.resolved_database_url)
    sessions = create_session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            for n in range(40):
                customer = customers[n % len(customers)]
                enqueue(session, OutboundMessage(channel="telegram", address=str(customer.id), text=f"news {n}"))
        await fake.wait_for(
            lambda: sum(len([t for t in c.texts() if t.startswith("news")]) for c in customers) == 40,
            "40 messages",
            timeout=60,
        )
    finally:
        await engine.dispose()
    metrics = [await scrape(instance) for instance in instances]
    assert sum(value(m, "switchboard_rate_limited_total", channel="telegram") for m in metrics) == 0
    assert all(value(m, "switchboard_outbound_messages_total", channel="telegram", outcome="sent") for m in metrics)
