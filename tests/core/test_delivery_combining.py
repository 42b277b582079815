"""The worker's hook for adapters that send a backlog to one address as one message."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from core.db import transaction
from core.delivery import DeliveryWorker, RetryLater, RetryPolicy
from core.messages import OutboundMessage, SendResult
from core.models import OutboxMessage, OutboxStatus
from core.outbox import enqueue
from core.services import Services
from core.timeutil import utcnow


@dataclass
class CombiningPlatform:
    """Stands in for a platform with a tight per-destination limit; records every send it accepts."""

    name: str = "slow"
    max_combined: int = 10
    refuse_next: int = 0
    sends: list[list[str]] = field(default_factory=list)

    def can_combine(self, first: OutboundMessage, other: OutboundMessage) -> bool:
        return other.kind == first.kind == "text"

    async def send(self, message: OutboundMessage) -> SendResult:
        return await self.send_combined([message])

    async def send_combined(self, messages: list[OutboundMessage]) -> SendResult:
        if self.refuse_next:
            self.refuse_next -= 1
            raise RetryLater("429", 0.01, rate_limited=True)
        self.sends.append([m.text for m in messages])
        return SendResult(external_id=f"x{len(self.sends)}")


async def queue(services: Services, *items: tuple[str, str]) -> None:
    async with transaction(services.sessions) as session:
        for kind, text in items:
            enqueue(session, OutboundMessage(channel="slow", address="a", kind=kind, text=text))


async def rows(services: Services) -> list[OutboxMessage]:
    async with services.sessions() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())  # type: ignore[arg-type]


async def test_a_backlog_goes_out_as_one_send_in_order(services: Services) -> None:
    platform = CombiningPlatform()
    worker = DeliveryWorker(services.sessions, {"slow": platform}, policy=RetryPolicy(base_delay=0.01))
    await queue(services, ("text", "one"), ("text", "two"), ("text", "three"), ("event", "other"), ("text", "four"))
    while await worker.run_once():
        pass
    assert platform.sends == [["one", "two", "three"], ["other"], ["four"]]
    assert [(r.status, r.external_id) for r in await rows(services)] == [
        (OutboxStatus.SENT, "x1"),
        (OutboxStatus.SENT, "x1"),
        (OutboxStatus.SENT, "x1"),
        (OutboxStatus.SENT, "x2"),
        (OutboxStatus.SENT, "x3"),
    ]


async def test_a_refused_combined_send_releases_the_rest(services: Services) -> None:
    platform = CombiningPlatform(refuse_next=1)
    worker = DeliveryWorker(services.sessions, {"slow": platform}, policy=RetryPolicy(base_delay=0.01))
    await queue(services, ("text", "one"), ("text", "two"))
    await worker.run_once()
    pending = await rows(services)
    assert [(r.status, r.locked_until, r.attempts) for r in pending] == [(OutboxStatus.PENDING, None, 0)] * 2
    for _ in range(100):
        if not await worker.run_once() and platform.sends:
            break
        await asyncio.sleep(0.02)
    assert platform.sends == [["one", "two"]]


async def test_a_message_held_by_another_worker_ends_the_run_and_what_follows_goes_back(services: Services) -> None:
    platform = CombiningPlatform()
    worker = DeliveryWorker(services.sessions, {"slow": platform}, policy=RetryPolicy(base_delay=0.01))
    await queue(services, ("text", "one"), ("text", "two"), ("text", "three"), ("text", "four"))
    held = (await rows(services))[2]
    async with transaction(services.sessions) as session:  # a lease another worker still holds
        row = await session.get(OutboxMessage, held.id)
        assert row is not None
        row.locked_until, row.locked_by = utcnow() + timedelta(minutes=5), "other"

    await worker.run_once()

    assert platform.sends == [["one", "two"]]  # never "four" before "three"
    after = await rows(services)
    assert [(r.status, r.locked_by) for r in after] == [
        (OutboxStatus.SENT, None),
        (OutboxStatus.SENT, None),
        (OutboxStatus.PENDING, "other"),
        (OutboxStatus.PENDING, None),  # won with the run, then released
    ]
    assert after[3].locked_until is None
