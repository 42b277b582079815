"""Two `switchboard serve` processes on one PostgreSQL and one Redis, Telegram in webhook mode."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from core.db import create_engine, create_session_factory
from core.messages import OutboundMessage
from core.models import OutboxMessage, OutboxStatus
from core.outbox import enqueue
from core.settings import Settings
from tests.fakes.telegram import FakeTelegram
from tests.ops.instances import Instance, instance_env, running
from tests.ops.test_metrics import value
from tests.support.servers import serve
from prometheus_client.parser import text_string_to_metric_families

SECRET = "webhook-secret-for-tests"


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("several instances need PostgreSQL")


@pytest.fixture
async def cluster(
    postgres_only: None, migrated: Settings, make_cluster_settings: Callable[..., Settings], tmp_path: Path
) -> AsyncIterator[tuple[FakeTelegram, list[Instance], Settings]]:
    fake = FakeTelegram()
    shared = make_cluster_settings()
    async with serve(fake.app) as api_url:
        env = instance_env(
            database_url=migrated.resolved_database_url,
            data_dir=str(tmp_path / "data"),
            redis_url=shared.redis_url,
            redis_prefix=shared.redis_prefix,
            telegram_bot_token=fake.token,
            telegram_api_url=api_url,
            telegram_agent_chat_id=str(fake.group_id),
            telegram_webhook_secret=SECRET,
            telegram_global_per_second="1000",
            telegram_chat_per_second="1000",
            telegram_group_per_minute="1000",
            outbox_poll_interval="0.5",
            default_language="en",
        )
        async with running(2, env, tmp_path) as instances:
            yield fake, instances, migrated
        await fake.close()


async def via(fake: FakeTelegram, instance: Instance, send: Callable[[], object]) -> None:
    """Deliver the next update to this instance, as a load balancer would."""
    fake.webhook_url, fake.webhook_secret = f"{instance.url}/telegram/webhook", SECRET
    await send()  # type: ignore[misc]


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
        await via(fake, (first, second)[i % 2], lambda c=customer: c.send("hello"))
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
                        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
                    )
                ).scalar_one()
            if not pending:
                break
            assert time.monotonic() < deadline, f"{pending} still pending"
            await asyncio.sleep(0.2)
        async with sessions() as session:
            statuses = Counter((await session.execute(select(OutboxMessage.status))).scalars())
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
    inbound = [value(m, "switchboard_inbound_messages_total", channel="telegram") for m in metrics]
    assert inbound == [len(customers) / 2] * 2
