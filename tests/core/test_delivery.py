"""The delivery worker against a fake platform that is a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from core.delivery import DeliveryWorker, PermanentFailure, RetryLater, RetryPolicy
from core.messages import AGENT_DESK, OutboundMessage, SendResult
from core.models import OutboxMessage, OutboxStatus
from core.outbox import enqueue
from core.services import Services
from tests.support.customers import CoreCustomer
from tests.support.servers import serve


@dataclass
class FakePlatform:
    """Answers each address from a script of status codes (then 200), and records what it accepted."""

    script: dict[str, list[int]] = field(default_factory=dict)
    retry_after: int = 1
    accepted: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    calls: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/send/{address}")
        async def send(address: str, request: Request) -> JSONResponse:
            self.calls[address].append(time.monotonic())
            body = await request.json()
            codes = self.script.get(address, [])
            code = codes.pop(0) if codes else 200
            if code == 429:
                return JSONResponse({"ok": False, "retry_after": self.retry_after}, 429)
            if code != 200:
                return JSONResponse({"ok": False, "description": f"error {code}"}, code)
            self.accepted[address].append(body["text"])
            return JSONResponse({"ok": True, "id": f"{address}-{len(self.accepted[address])}"})

        return app


class HttpAdapter:
    """The smallest real adapter: maps the platform's answers onto the worker's failure kinds."""

    name = "test"

    def __init__(self, base_url: str) -> None:
        self.client = httpx.AsyncClient(base_url=base_url, timeout=2)

    async def send(self, message: OutboundMessage) -> SendResult:
        try:
            response = await self.client.post(f"/send/{message.address}", json={"text": message.text})
        except httpx.TransportError as error:
            raise RetryLater(f"transport: {error!r}") from error
        if response.status_code == 429:
            raise RetryLater("rate limited", float(response.json()["retry_after"]), rate_limited=True)
        if response.status_code >= 500:
            raise RetryLater(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PermanentFailure(response.json()["description"])
        return SendResult(external_id=response.json()["id"])


@pytest.fixture
async def platform() -> AsyncIterator[tuple[FakePlatform, HttpAdapter]]:
    fake = FakePlatform()
    async with serve(fake.app(), access_log=False) as url:
        adapter = HttpAdapter(url)
        yield fake, adapter
        await adapter.client.aclose()


def queue(services: Services, address: str, *texts: str, ticket_id: int | None = None) -> None:
    async def _queue() -> None:
        async with services.sessions() as session, session.begin():
            for text in texts:
                enqueue(session, OutboundMessage(channel="test", address=address, text=text, ticket_id=ticket_id))

    return _queue()  # type: ignore[return-value]


async def drain(worker: DeliveryWorker, services: Services, timeout: float = 10) -> list[OutboxMessage]:
    """Run the worker until nothing is pending for the test channel; the final rows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await worker.run_once()
        async with services.sessions() as session:
            rows = list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
        if all(r.status != OutboxStatus.PENDING for r in rows if r.channel == "test"):
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError("outbox not drained in time")


def make_worker(services: Services, adapter: HttpAdapter, **policy: float) -> DeliveryWorker:
    return DeliveryWorker(
        services.sessions,
        {"test": adapter},
        policy=RetryPolicy(base_delay=0.05, max_delay=0.2, **policy),  # type: ignore[arg-type]
    )


async def test_5xx_is_retried_with_backoff_until_delivered(
    services: Services, platform: tuple[FakePlatform, HttpAdapter]
) -> None:
    fake, adapter = platform
    fake.script["alice"] = [500, 502]
    await queue(services, "alice", "hello")
    [row] = await drain(make_worker(services, adapter), services)
    assert (row.status, row.attempts, row.external_id) == (OutboxStatus.SENT, 2, "alice-1")
    assert fake.accepted["alice"] == ["hello"]
    first, second, third = fake.calls["alice"]
    assert second - first >= 0.05 and third - second >= 0.1  # exponential backoff


async def test_429_waits_retry_after_without_using_up_attempts(
    services: Services, platform: tuple[FakePlatform, HttpAdapter]
) -> None:
    fake, adapter = platform
    fake.script["alice"] = [429, 429, 429]
    await queue(services, "alice", "hello")
    [row] = await drain(make_worker(services, adapter, max_attempts=2), services)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 0)
    calls = fake.calls["alice"]
    assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(calls))


async def test_permanent_error_fails_visibly_and_does_not_block_the_address(
    services: Services, platform: tuple[FakePlatform, HttpAdapter]
) -> None:
    fake, adapter = platform
    ticket = await CoreCustomer(services, "bob").open_ticket()
    worker = make_worker(services, adapter)
    await drain(worker, services)  # the intake's own messages
    fake.script["bob"] = [403]
    await queue(services, "bob", "first", "second", ticket_id=ticket.id)
    rows = await drain(worker, services)
    failed = [r for r in rows if r.status == OutboxStatus.FAILED]
    assert len(failed) == 1 and failed[0].last_error == "error 403" and failed[0].attempts == 1
    assert fake.accepted["bob"][-1] == "second"
    [alert] = [r for r in rows if r.channel == AGENT_DESK and r.kind == "delivery_failed"]
    assert alert.payload["meta"] == {"outbox_id": failed[0].id, "reason": "error 403"}


async def test_gives_up_after_max_attempts(services: Services, platform: tuple[FakePlatform, HttpAdapter]) -> None:
    fake, adapter = platform
    fake.script["alice"] = [500] * 10
    await queue(services, "alice", "hello")
    [row] = await drain(make_worker(services, adapter, max_attempts=3), services)
    assert row.status == OutboxStatus.FAILED
    assert row.last_error == "gave up after 3 attempts: HTTP 500"


async def test_order_is_kept_per_address_while_others_flow(
    services: Services, platform: tuple[FakePlatform, HttpAdapter]
) -> None:
    fake, adapter = platform
    fake.script["alice"] = [500, 429]
    await queue(services, "alice", *(f"a{i}" for i in range(5)))
    await queue(services, "bob", *(f"b{i}" for i in range(5)))
    rows = await drain(make_worker(services, adapter), services)
    assert all(r.status == OutboxStatus.SENT for r in rows)
    assert fake.accepted["alice"] == [f"a{i}" for i in range(5)]
    assert fake.accepted["bob"] == [f"b{i}" for i in range(5)]
    # Bob was not held up by Alice's retries: his last message went out before Alice's first.
    assert fake.calls["bob"][-1] < fake.calls["alice"][-5]


async def test_an_unreachable_platform_is_retried(services: Services) -> None:
    adapter = HttpAdapter("http://127.0.0.1:9")  # nothing listens there
    await queue(services, "alice", "hello")
    worker = make_worker(services, adapter, max_attempts=2)
    [row] = await drain(worker, services)
    await adapter.client.aclose()
    assert row.status == OutboxStatus.FAILED and "transport" in (row.last_error or "")


async def test_two_workers_deliver_each_message_exactly_once(
    services: Services, platform: tuple[FakePlatform, HttpAdapter]
) -> None:
    fake, adapter = platform
    for address in ("a", "b", "c", "d"):
        await queue(services, address, *(f"{address}{i}" for i in range(25)))
    workers = [make_worker(services, adapter), make_worker(services, adapter)]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        deadline = time.monotonic() + 20
        while sum(len(v) for v in fake.accepted.values()) < 100 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for address in ("a", "b", "c", "d"):
        assert fake.accepted[address] == [f"{address}{i}" for i in range(25)]
