"""The durable webhook inbox: store the raw call, answer Meta at once, process in the background."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import insert, or_, select, update

from channels.whatsapp.inbound import BatchIncomplete
from channels.whatsapp.models import InboxStatus, WhatsAppInbox
from channels.whatsapp.payload import Batch, parse_batch
from core.db import SessionFactory, transaction
from core.delivery import RetryPolicy
from core.loop import WakeableLoop
from core.timeutil import utcnow

log = logging.getLogger(__name__)

BatchHandler = Callable[[Batch], Awaitable[None]]
# While calls keep arriving, processing waits (acknowledging Meta fast matters more), until the
# oldest waiting call is this old: a burst is acknowledged first, a steady stream still flows.
QUIET_PERIOD = 0.05
MAX_DEFERRAL = timedelta(seconds=3)


class Inbox(WakeableLoop):
    name = "whatsapp inbox"

    def __init__(
        self,
        sessions: SessionFactory,
        handle: BatchHandler,
        *,
        policy: RetryPolicy | None = None,
        poll_interval: float = 1.0,
        claim_size: int = 64,
    ) -> None:
        self.sessions, self.handle = sessions, handle
        self.policy = policy or RetryPolicy()
        super().__init__(poll_interval)
        self.claim_size = claim_size
        self._pending: list[tuple[str, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._last_call = 0.0

    async def store(self, body: str) -> None:
        """Keep one verified webhook call; after this returns, nothing in it can be lost.

        Calls arriving together are written in one transaction (group commit): a burst costs a
        few commits instead of one each, which is what keeps the acknowledgement fast.
        """
        self._last_call = time.monotonic()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((body, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending(), name="whatsapp-inbox-writer")
        await done

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                now = utcnow()
                rows = [
                    {
                        "body": body,
                        "status": InboxStatus.PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "received_at": now,
                    }
                    for body, _ in batch
                ]
                async with transaction(self.sessions) as session:
                    # A Core insert: the ORM's unit of work costs more than the write itself here.
                    await session.execute(insert(WhatsAppInbox), rows)
            except Exception as error:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
            self.wake()

    def _busy(self) -> bool:
        writing = bool(self._pending) or (self._writer is not None and not self._writer.done())
        return writing or time.monotonic() - self._last_call < QUIET_PERIOD

    async def _let_calls_pass(self, row: WhatsAppInbox) -> None:
        while self._busy() and utcnow() - row.received_at < MAX_DEFERRAL:
            await asyncio.sleep(QUIET_PERIOD / 5)

    async def run_once(self) -> int:
        """Process the due stored calls in arrival order; the number taken."""
        rows = await self._claim()
        for row in rows:
            await self._let_calls_pass(row)
            await self._process(row)
        return len(rows)

    async def _claim(self) -> list[WhatsAppInbox]:
        now = utcnow()
        free = or_(WhatsAppInbox.locked_until.is_(None), WhatsAppInbox.locked_until < now)  # type: ignore[union-attr]
        due = (
            select(WhatsAppInbox)
            .where(WhatsAppInbox.status == InboxStatus.PENDING, WhatsAppInbox.next_attempt_at <= now, free)
            .order_by(WhatsAppInbox.id)  # type: ignore[arg-type]
            .limit(self.claim_size)
        )
        claimed: list[WhatsAppInbox] = []
        async with transaction(self.sessions) as session:
            lease = now + timedelta(seconds=self.policy.lease)
            for row in (await session.execute(due)).scalars():
                # Compare-and-set, so that of several instances exactly one takes each call.
                won = await session.execute(
                    update(WhatsAppInbox)
                    .where(WhatsAppInbox.id == row.id, WhatsAppInbox.status == InboxStatus.PENDING, free)
                    .values(locked_until=lease)
                )
                if won.rowcount:  # type: ignore[attr-defined]
                    claimed.append(row)
        return claimed

    async def _process(self, row: WhatsAppInbox) -> None:
        try:
            await self.handle(parse_batch(json.loads(row.body)))
        except Exception as error:
            await self._retry(row, error)
        else:
            await self._set(row, status=InboxStatus.DONE, processed_at=utcnow(), last_error=None)

    async def _retry(self, row: WhatsAppInbox, error: Exception) -> None:
        attempts = row.attempts + 1
        reason = f"{type(error).__name__}: {error}"
        if attempts >= self.policy.max_attempts:
            # Kept with its body and the reason: visible, and can be set back to pending by hand.
            log.error("whatsapp inbox %s gave up after %s attempts: %s", row.id, attempts, reason)
            await self._set(row, status=InboxStatus.FAILED, attempts=attempts, last_error=reason)
            return
        delay = error.retry_after if isinstance(error, BatchIncomplete) and error.retry_after else None
        delay = delay if delay is not None else self.policy.delay(attempts)
        log.warning("whatsapp inbox %s will be retried in %.1fs: %s", row.id, delay, reason)
        await self._set(row, attempts=attempts, last_error=reason, next_attempt_at=utcnow() + timedelta(seconds=delay))

    async def _set(self, row: WhatsAppInbox, **values: object) -> None:
        async with transaction(self.sessions) as session:
            await session.execute(
                update(WhatsAppInbox).where(WhatsAppInbox.id == row.id).values(locked_until=None, **values)
            )
