"""The worker's loop: a paced recipient holds no other channel's messages; leases survive only the living,
and a renewal in flight finishes when the worker stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import select

from core.db import transaction
from core.delivery import ChannelAdapter, DeliveryWorker, RetryPolicy
from core.messages import OutboundMessage, SendResult
from core.models import OutboxMessage, OutboxStatus
from core.outbox import enqueue
from core.services import Services
from tests.core.test_delivery import FakePlatform, HttpAdapter, platform  # noqa: F401  (the fixture)


class Paced:
    """A channel whose recipients must wait before each send (as Sender.slot sleeps for Telegram's pacing)."""

    def __init__(self, inner: HttpAdapter, name: str, wait: float) -> None:
        self.inner, self.name, self.wait = inner, name, wait

    async def send(self, message: OutboundMessage) -> SendResult:
        await asyncio.sleep(self.wait)
        return await self.inner.send(message)


async def put(services: Services, channel: str, address: str, text: str) -> None:
    async with services.sessions() as session, session.begin():
        enqueue(session, OutboundMessage(channel=channel, address=address, text=text))


async def rows(services: Services) -> list[OutboxMessage]:
    async with services.sessions() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running(*workers: DeliveryWorker) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def until(condition: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)


def worker(services: Services, adapters: dict[str, ChannelAdapter], lease: float = 15.0) -> DeliveryWorker:
    return DeliveryWorker(
        services.sessions, adapters, policy=RetryPolicy(base_delay=0.05, lease=lease), concurrency=4, poll_interval=0.05
    )


async def test_a_web_reply_goes_out_while_a_paced_group_backlog_waits(
    services: Services,
    platform: tuple[FakePlatform, HttpAdapter],  # noqa: F811
) -> None:
    fake, adapter = platform
    group = Paced(adapter, "agents", wait=1.0)
    for number in range(12):
        await put(services, "agents", f"ticket-{number}", f"event {number}")
    async with running(worker(services, {"agents": group, "test": adapter})):
        await until(lambda: _any_calls(fake, "ticket-"))  # the backlog is being paced
        await put(services, "test", "visitor", "an agent's reply")
        await until(lambda: _sent(services, "visitor"))
        still_paced = sum(1 for address in fake.calls if address.startswith("ticket-"))
        # The reply did not wait for a pass over the backlog (12 sends x 1 s, 4 at a time).
        assert still_paced <= 8
        await until(lambda: _all_sent(services))
    assert fake.accepted["visitor"] == ["an agent's reply"]


async def test_a_dead_workers_rows_are_sent_again_within_seconds_and_once(
    services: Services,
    platform: tuple[FakePlatform, HttpAdapter],  # noqa: F811
) -> None:
    fake, adapter = platform
    for number in range(10):
        await put(services, "test", f"c{number}", f"reply {number}")
    dead = worker(services, {"test": adapter}, lease=1.0)
    taken = await dead._claim_heads({"test": 10})  # and then the process is killed
    assert len(taken) == 10
    live = worker(services, {"test": adapter}, lease=1.0)
    async with running(live):
        await asyncio.sleep(0.5)
        assert fake.accepted == {}  # still the dead worker's
        await until(lambda: _all_sent(services), timeout=5)
    assert {address: texts for address, texts in fake.accepted.items()} == {f"c{n}": [f"reply {n}"] for n in range(10)}


async def test_a_live_workers_slow_send_keeps_its_rows_from_another_worker(
    services: Services,
    platform: tuple[FakePlatform, HttpAdapter],  # noqa: F811
) -> None:
    fake, adapter = platform
    slow = Paced(adapter, "test", wait=1.5)  # five leases long
    for number in range(4):
        await put(services, "test", f"s{number}", f"reply {number}")
    async with running(worker(services, {"test": slow}, lease=0.3), worker(services, {"test": slow}, lease=0.3)):
        await until(lambda: _all_sent(services))
    assert [len(fake.calls[f"s{n}"]) for n in range(4)] == [1, 1, 1, 1]


async def _any_calls(fake: FakePlatform, prefix: str) -> bool:
    return any(address.startswith(prefix) for address in fake.calls)


async def _sent(services: Services, address: str) -> bool:
    return any(row.address == address and row.status == OutboxStatus.SENT for row in await rows(services))


async def _all_sent(services: Services) -> bool:
    return all(row.status == OutboxStatus.SENT for row in await rows(services))


async def test_a_worker_stopping_during_a_lease_renewal_lets_it_finish(
    backend: str,
    services: Services,
    platform: tuple[FakePlatform, HttpAdapter],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The renewal's statement is held by a row lock while the worker is stopped: it must finish,
    not be cancelled in mid-statement (its connection was then closed under it)."""
    if backend == "sqlite":
        pytest.skip("holding one row needs PostgreSQL's row locks (SQLite's lock would hold the whole worker)")
    _, adapter = platform
    renewals: list[str] = []
    real_renew = DeliveryWorker._renew_leases

    async def renew(self: DeliveryWorker) -> None:
        try:
            await real_renew(self)
        except asyncio.CancelledError:
            renewals.append("cancelled")
            raise
        renewals.append("done")

    monkeypatch.setattr(DeliveryWorker, "_renew_leases", renew)
    await put(services, "test", "slow", "a reply")
    task = asyncio.create_task(worker(services, {"test": Paced(adapter, "test", wait=30)}, lease=0.6).run())
    stopped = False
    try:
        await until(lambda: _leased(services))  # its send is in flight, a renewal every 0.2 s
        async with transaction(services.sessions) as locker:
            await locker.execute(select(OutboxMessage).with_for_update())
            await asyncio.sleep(0.5)  # the next renewal now waits for this lock
            task.cancel()  # and the worker is stopped (once, as the app's shutdown does) while it waits
            stopped = True
            await asyncio.sleep(0.3)
    finally:
        if not stopped:
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert renewals and set(renewals) == {"done"}, renewals


async def _leased(services: Services) -> bool:
    return any(row.locked_by is not None for row in await rows(services))
