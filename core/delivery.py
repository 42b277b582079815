"""The delivery worker: sends the outbox through the channel adapters, in order per address."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Protocol, cast

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import SessionFactory, transaction
from core.loop import WakeableLoop, renewing
from core.messages import AGENT_DESK, FAILED_COPY, TELL_ON_FAILURE, OutboundMessage, SendResult
from core.models import OutboxMessage, OutboxStatus, Ticket
from core.outbox import enqueue, to_desk
from core.timeutil import utcnow

log = logging.getLogger(__name__)

CLAIM_INTERVAL = 0.05


class ChannelAdapter(Protocol):
    """The output side of a channel. Raise `RetryLater` or `PermanentFailure`; anything else is retried."""

    name: str

    async def send(self, message: OutboundMessage) -> SendResult: ...


class CombiningAdapter(ChannelAdapter, Protocol):
    """Optional: an adapter that can send several pending messages to one address as one.

    The worker offers the head of an address's queue plus up to `max_combined` messages after it that
    `can_combine` accepts; all share the outcome. For platforms whose per-destination rate limit is
    tight (a Telegram group: 20 messages a minute), a backlog then shrinks instead of growing.
    """

    max_combined: int

    def can_combine(self, first: OutboundMessage, other: OutboundMessage) -> bool: ...

    async def send_combined(self, messages: list[OutboundMessage]) -> SendResult: ...


class RetryLater(Exception):
    """A temporary failure. `retry_after` comes from the platform (429); rate limits do not use up attempts."""

    def __init__(self, reason: str, retry_after: float | None = None, *, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.retry_after, self.rate_limited = reason, retry_after, rate_limited


class PermanentFailure(Exception):
    """The message can never be delivered (blocked bot, unknown chat, invalid request)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class RetryPolicy:
    base_delay: float = 2.0
    max_delay: float = 300.0
    max_attempts: int = 8
    # Short, and renewed every lease/3 while the worker lives: a killed process's rows come back
    # within seconds, a live worker's slow send keeps its rows.
    lease: float = 6.0
    send_timeout: float = 60.0

    def delay(self, attempts: int) -> float:
        return min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay)


class DeliveryWorker(WakeableLoop):
    name = "delivery"

    def __init__(
        self,
        sessions: SessionFactory,
        adapters: Mapping[str, ChannelAdapter],
        *,
        policy: RetryPolicy | None = None,
        concurrency: int = 16,
        poll_interval: float = 1.0,
        worker_id: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.adapters = adapters
        self.policy = policy or RetryPolicy()
        self.concurrency = concurrency
        super().__init__(poll_interval)
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        # Set by the composition root (metrics, logs): called with the row and "sent", "failed",
        # "retry" or "rate_limited" after each attempt.
        self.on_outcome: Callable[[OutboxMessage, str], None] = lambda row, outcome: None

    async def run(self) -> None:
        """Send continuously: each channel has its own `concurrency` slots, and a slot is taken again
        the moment its send ends, so a paced recipient (a Telegram group, a 429) never holds up
        another channel's messages, nor waits for a whole pass to finish."""
        async with renewing("delivery", self.policy.lease / 3, self._renew_leases):
            await self._send_continuously()

    async def _send_continuously(self) -> None:
        inflight: dict[str, set[asyncio.Task[None]]] = {}
        try:
            while True:
                # Sends ending one by one would each start a claim (a scan of the pending heads,
                # inside the event loop on SQLite): gather them for a moment.
                await asyncio.sleep(CLAIM_INTERVAL)
                free = {name: self.concurrency - len(inflight.get(name, ())) for name in self.adapters}
                try:
                    claimed = await self._claim_heads({name: n for name, n in free.items() if n > 0})
                except Exception:
                    log.exception("delivery: claiming failed; retrying after a pause")
                    claimed = []
                for row in claimed:
                    task = asyncio.create_task(self._deliver(row), name=f"deliver-{row.id}")
                    running = inflight.setdefault(row.channel, set())
                    running.add(task)
                    task.add_done_callback(functools.partial(self._sent, running=running))
                await self.wait_for_wake()
        finally:
            tasks = [task for running in inflight.values() for task in running]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _sent(self, done: asyncio.Task[None], *, running: set[asyncio.Task[None]]) -> None:
        running.discard(done)
        if not done.cancelled() and (error := done.exception()) is not None:
            log.error("delivery task failed", exc_info=error)
        self.wake()  # a slot is free, and the address's next message may be due

    async def _renew_leases(self) -> None:
        """This worker's rows stay its own while it lives (`renewing` calls this every third of a lease)."""
        async with transaction(self.sessions) as session:
            connection = await session.connection()
            await connection.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.locked_by) == self.worker_id, col(OutboxMessage.status) == OutboxStatus.PENDING
                )
                .values(locked_until=utcnow() + timedelta(seconds=self.policy.lease))
            )

    async def run_once(self) -> int:
        """Send every address's oldest due message once and wait for all; the number tried."""
        claimed = await self._claim_heads({name: self.concurrency * 8 for name in self.adapters})
        if claimed:
            semaphore = asyncio.Semaphore(self.concurrency)

            async def _bounded(row: OutboxMessage) -> None:
                async with semaphore:
                    await self._deliver(row)

            await asyncio.gather(*(_bounded(row) for row in claimed))
        return len(claimed)

    async def _claim_heads(self, limits: Mapping[str, int]) -> list[OutboxMessage]:
        """Lease the oldest due message of up to `limits[channel]` addresses of each channel."""
        if not limits:
            return []
        now = utcnow()
        rows: list[OutboxMessage] = []
        async with transaction(self.sessions) as session:
            # One query per channel: a channel's long backlog must not fill the others' share.
            for channel, limit in limits.items():
                rows.extend((await session.execute(self._due_heads(channel, limit, now))).scalars())
            won = await self._lease(session, rows, now)
        return [row for row in rows if row.id in won]

    @staticmethod
    def _due_heads(channel: str, limit: int, now: datetime) -> Select[OutboxMessage]:
        pending = and_(col(OutboxMessage.status) == OutboxStatus.PENDING, col(OutboxMessage.channel) == channel)
        heads = (
            select(func.min(OutboxMessage.id).label("id"))
            .where(pending)
            .group_by(OutboxMessage.channel, OutboxMessage.address)
            .subquery()
        )
        return (
            select(OutboxMessage)
            .join(heads, OutboxMessage.id == heads.c.id)
            .where(
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),  # type: ignore[union-attr]
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )

    async def _lease(self, session: AsyncSession, rows: list[OutboxMessage], now: datetime) -> set[int]:
        """Compare-and-set on the lease, one statement for all `rows`: of several workers, exactly
        one wins each message. The ids this worker won."""
        if not rows:
            return set()
        # Core on the session's connection: an ORM-enabled UPDATE would look for these rows among
        # the session's objects to synchronize them, for every statement.
        connection = await session.connection()
        result = await connection.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_([row.id for row in rows]),
                col(OutboxMessage.status) == OutboxStatus.PENDING,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),  # type: ignore[union-attr]
            )
            .values(locked_until=now + timedelta(seconds=self.policy.lease), locked_by=self.worker_id)
            .returning(OutboxMessage.id)
        )
        return set(result.scalars())

    @staticmethod
    def _message(row: OutboxMessage) -> OutboundMessage:
        return OutboundMessage(
            id=row.id or 0,
            channel=row.channel,
            address=row.address,
            kind=row.kind,
            ticket_id=row.ticket_id,
            attempts=row.attempts,
            **row.payload,
        )

    async def _deliver(self, row: OutboxMessage) -> None:
        message = self._message(row)
        adapter = self.adapters[row.channel]
        following = await self._claim_following(row, message, adapter)
        if following:
            sending = cast(CombiningAdapter, adapter).send_combined([message, *map(self._message, following)])
        else:
            sending = adapter.send(message)
        try:
            try:
                result = await asyncio.wait_for(sending, self.policy.send_timeout)
            except BaseException:
                # Only the head carries the outcome of a failed combined send; the rest wait their turn.
                await self._finish(following)
                raise
        except PermanentFailure as failure:
            await self._fail(row, failure.reason)
        except RetryLater as retry:
            self.on_outcome(row, "rate_limited" if retry.rate_limited else "retry")
            await self._retry(row, retry.reason, retry.retry_after, counts=not retry.rate_limited)
        except TimeoutError:
            self.on_outcome(row, "retry")
            await self._retry(row, "timed out", None, counts=True)
        except Exception as error:  # an adapter bug must not stop the worker or lose the message
            log.exception("adapter %s raised on outbox message %s", row.channel, row.id)
            self.on_outcome(row, "retry")
            await self._retry(row, f"{type(error).__name__}: {error}", None, counts=True)
        else:
            await self._finish(
                [row, *following], status=OutboxStatus.SENT, external_id=result.external_id, sent_at=utcnow()
            )
            for sent in (row, *following):
                self.on_outcome(sent, "sent")

    async def _claim_following(
        self, head: OutboxMessage, message: OutboundMessage, adapter: ChannelAdapter
    ) -> list[OutboxMessage]:
        """Pending messages right behind `head` that a combining adapter takes along, claimed like heads."""
        limit = getattr(adapter, "max_combined", 0)
        if limit <= 0:
            return []
        combining = cast(CombiningAdapter, adapter)
        now = utcnow()
        async with transaction(self.sessions) as session:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel == head.channel,
                    OutboxMessage.address == head.address,
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.id > head.id,  # type: ignore[operator]
                )
                .order_by(OutboxMessage.id)  # type: ignore[arg-type]
                .limit(limit)
            )
            candidates = list(
                takewhile(
                    lambda row: combining.can_combine(message, self._message(row)),
                    (await session.execute(query)).scalars(),
                )
            )
            won = await self._lease(session, candidates, now)
            # Only an unbroken run behind the head keeps the order; what was won past a gap goes back.
            claimed = list(takewhile(lambda row: row.id in won, candidates))
            await self._unlock(session, [row for row in candidates[len(claimed) :] if row.id in won])
        return claimed

    async def _finish(self, rows: list[OutboxMessage], **values: object) -> None:
        """Release the lease of `rows` (with `values` set) in one statement; without values, the
        rows go back to the queue as they were."""
        if not rows:
            return
        async with transaction(self.sessions) as session:
            await self._unlock(session, rows, **values)

    @staticmethod
    async def _unlock(session: AsyncSession, rows: list[OutboxMessage], **values: object) -> None:
        if not rows:
            return
        connection = await session.connection()  # Core, as in _lease
        await connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]))  # type: ignore[union-attr]
            .values(locked_until=None, locked_by=None, **values)
        )

    async def _retry(self, row: OutboxMessage, reason: str, retry_after: float | None, *, counts: bool) -> None:
        attempts = row.attempts + 1 if counts else row.attempts
        if attempts >= self.policy.max_attempts:
            await self._fail(row, f"gave up after {attempts} attempts: {reason}", attempts=attempts)
            return
        delay = retry_after if retry_after is not None else self.policy.delay(attempts)
        log.warning("outbox %s to %s:%s will retry in %.1fs: %s", row.id, row.channel, row.address, delay, reason)
        await self._finish(
            [row], attempts=attempts, last_error=reason, next_attempt_at=utcnow() + timedelta(seconds=delay)
        )

    async def _fail(self, row: OutboxMessage, reason: str, *, attempts: int | None = None) -> None:
        log.error("outbox %s to %s:%s failed: %s", row.id, row.channel, row.address, reason)
        async with transaction(self.sessions) as session:
            await self._unlock(
                session,
                [row],
                status=OutboxStatus.FAILED,
                last_error=reason,
                attempts=attempts if attempts is not None else row.attempts + 1,
            )
            # Agents must learn that the customer did not get it; desk events themselves cannot loop.
            # A mass incident's messages are counted in its own report instead: one event per linked
            # ticket would flood the agents' group with topics.
            mass_message = bool(row.payload.get("meta", {}).get("mass_incident"))
            if row.channel != AGENT_DESK and row.ticket_id is not None and not mass_message:
                ticket = await session.get(Ticket, row.ticket_id)
                if ticket is not None:
                    to_desk(session, ticket, "delivery_failed", outbox_id=row.id, reason=reason)
            tell_on_failure(session, row, reason)
        self.on_outcome(row, "failed")
        self.wake()


async def mark_bounced(session: AsyncSession, channel: str, external_id: str, reason: str) -> bool:
    """A message the platform accepted but reported undeliverable later (a mail bounce): failed,
    and the agents are told as for any failed delivery. False if no sent message has that id."""
    query = select(OutboxMessage).where(
        col(OutboxMessage.channel) == channel,
        col(OutboxMessage.external_id) == external_id,
        col(OutboxMessage.status) == OutboxStatus.SENT,
    )
    row = (await session.execute(query.limit(1).with_for_update())).scalar_one_or_none()
    if row is None:
        return False
    row.status, row.last_error = OutboxStatus.FAILED, reason
    if row.ticket_id is not None and (ticket := await session.get(Ticket, row.ticket_id)) is not None:
        to_desk(session, ticket, "delivery_failed", outbox_id=row.id, reason=reason)
    tell_on_failure(session, row, reason)
    return True


def tell_on_failure(session: AsyncSession, row: OutboxMessage, reason: str) -> None:
    """Queue the FAILED_COPY notice a failed message asked for (TELL_ON_FAILURE), if it did."""
    meta = row.payload.get("meta") or {}
    target = meta.get(TELL_ON_FAILURE)
    if not isinstance(target, dict):
        return
    enqueue(
        session,
        OutboundMessage(
            channel=str(target["channel"]),
            address=str(target["address"]),
            kind=FAILED_COPY,
            language=row.payload.get("language") or "en",
            meta={"failed_address": row.address, "reason": reason},
        ),
    )
