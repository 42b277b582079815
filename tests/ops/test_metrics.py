"""GET /metrics on the real app: the numbers move with real traffic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from core.messages import AGENT_DESK, OutboundMessage
from core.models import OutboxMessage, OutboxStatus, Ticket
from core.outbox import enqueue, to_desk
from core.services import Services
from core.settings import Settings
from switchboard.app import build_app
from tests.channels.webchat.visitor import Visitor
from tests.core.test_delivery import FakePlatform, HttpAdapter
from tests.support.customers import CoreCustomer
from tests.support.servers import serve

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def settle(services: Services, timeout: float = 15) -> None:
    """Wait until nothing is pending for the channels that have an adapter."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with services.sessions() as session:
            query = select(OutboxMessage.id).where(  # type: ignore[call-overload]
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.channel.in_(list(services.adapters)),  # type: ignore[attr-defined]
            )
            if not (await session.execute(query)).first():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not settle")


@pytest.fixture
async def running(migrated: Settings) -> AsyncIterator[tuple[Services, FakePlatform, httpx.AsyncClient]]:
    platform = FakePlatform(retry_after=0)
    async with serve(platform.app()) as platform_url:
        adapter = HttpAdapter(platform_url)
        app = build_app(migrated)
        services: Services = app.state.services
        # The test channel stands for a customer platform, and the same fake for the agents' desk.
        services.adapters.update({"test": adapter, AGENT_DESK: adapter})
        async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
            yield services, platform, client
        await adapter.client.aclose()


async def test_counters_and_gauges_move_with_traffic(
    running: tuple[Services, FakePlatform, httpx.AsyncClient],
) -> None:
    services, platform, client = running
    before = await scrape(client)
    platform.script["alice"] = [429]
    platform.script["carol"] = [403]

    alice = CoreCustomer(services, "alice")
    ticket = await alice.open_ticket()
    await CoreCustomer(services, "carol").say("hello")
    async with services.sessions() as session, session.begin():
        fresh = await session.get(Ticket, ticket.id)
        assert fresh is not None
        to_desk(session, fresh, "sla_warning")
        to_desk(session, fresh, "sla_breach")
        enqueue(session, OutboundMessage(channel="nowhere", address="x", text="stays queued"))
    services.worker.wake()
    await settle(services)
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("switchboard_inbound_messages_total", channel="test") == 6  # five from alice, one from carol
    async with services.sessions() as session:
        rows = list((await session.execute(select(OutboxMessage))).scalars())
    sent = {
        ch: sum(1 for r in rows if r.channel == ch and r.status == OutboxStatus.SENT) for ch in ("test", AGENT_DESK)
    }
    assert delta("switchboard_outbound_messages_total", channel="test", outcome="sent") == sent["test"] > 0
    assert delta("switchboard_outbound_messages_total", channel=AGENT_DESK, outcome="sent") == sent[AGENT_DESK] > 0
    assert delta("switchboard_outbound_messages_total", channel="test", outcome="failed") == 1
    assert delta("switchboard_rate_limited_total", channel="test") == 1
    assert delta("switchboard_delivery_latency_seconds_count", channel="test") == sent["test"]
    assert delta("switchboard_sla_events_total", kind="warning") == 1
    assert delta("switchboard_sla_events_total", kind="breach") == 1
    assert value(after, "switchboard_outbox_backlog", channel="nowhere") == 1
    assert value(after, "switchboard_outbox_oldest_age_seconds", channel="nowhere") >= 0
    assert value(after, "switchboard_outbox_backlog", channel="test") == 0
    assert value(after, "switchboard_tickets_open", status="new") == 1
    assert value(after, "switchboard_tickets_open", status="in_progress") == 0
    assert ("switchboard_webchat_connections", ()) in after


async def test_webchat_connection_gauge_counts_open_sockets(
    running: tuple[Services, FakePlatform, httpx.AsyncClient],
) -> None:
    _, _, client = running
    before = value(await scrape(client), "switchboard_webchat_connections")
    async with Visitor(str(client.base_url)), Visitor(str(client.base_url)):
        assert value(await scrape(client), "switchboard_webchat_connections") == before + 2
    for _ in range(100):  # the server sees the close a moment after the client
        if value(await scrape(client), "switchboard_webchat_connections") == before:
            break
        await asyncio.sleep(0.05)
    assert value(await scrape(client), "switchboard_webchat_connections") == before
