"""One durable inbox for every channel: the door stores the raw event and acknowledges at once;
workers turn stored events into messages for the desk, in arrival order per conversation."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Executable
from sqlmodel import col

from core.db import (
    KeptConnection,
    SessionFactory,
    dialect_insert,
    dialect_of,
    engine_of,
    per_dialect,
    transaction,
)
from core.delivery import RetryPolicy
from core.inbox_queue import DONE, PARKED, PENDING, Claimed, claim, renew, settle, tell_agents
from core.loop import WakeableLoop, renewing, wait_event
from core.messages import InboundMessage
from core.models import InboxEvent
from core.textsafe import scrub
from core.timeutil import utcnow

log = logging.getLogger(__name__)

# While events keep arriving, handling waits (a fast acknowledgement matters more, and on SQLite the
# door and the worker share one connection), until the waiting events are this old: a burst is
# acknowledged first, a steady stream still flows. An event that comes alone (none other within
# QUIET_PERIOD before it) is handled at once: an agent's reply should not wait for a burst that
# is not there.
QUIET_PERIOD = 0.05
MAX_DEFERRAL = 3.0

Parser = Callable[[str], Awaitable[list[InboundMessage]]]
"""A channel's payload -> the customers' messages in it (runs in the worker; may raise)."""
Receive = Callable[[InboundMessage], Awaitable[object]]


class Unprocessable(Exception):
    """Raised by a parser for an event that no retry can help (a mail from our own address):
    parked at once with its reason, and told to the agents like any parked event."""


# A retry of an event already stored inserts nothing; RETURNING names the rows that were new.
_STORE: dict[str, Executable] = per_dialect(
    lambda dialect: (
        dialect_insert(dialect, InboxEvent)
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(col(InboxEvent.channel), col(InboxEvent.external_id))
    )
)


@dataclass
class InboxPolicy(RetryPolicy):
    """The delivery's retry policy with the inbox's own defaults, and its batch size."""

    base_delay: float = 1.0
    max_delay: float = 60.0
    max_attempts: int = 5
    lease: float = 6.0
    batch: int = 256
    concurrency: int = 8


@dataclass
class _Outcome:
    done: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    retry: list[tuple[Claimed, str]] = field(default_factory=list)
    parked: list[tuple[Claimed, str]] = field(default_factory=list)


class Inbox(WakeableLoop):
    name = "inbox"

    def __init__(
        self,
        sessions: SessionFactory,
        receive: Receive,
        *,
        policy: InboxPolicy | None = None,
        poll_interval: float = 1.0,
        owner: str | None = None,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(poll_interval)
        self.sessions, self.receive, self.on_queued = sessions, receive, on_queued
        self.policy = policy or InboxPolicy()
        self.owner = owner or uuid.uuid4().hex[:12]
        self.parsers: dict[str, Parser] = {}
        # Set by the composition root (metrics): called for each event at the door, with whether it was new.
        self.on_stored: Callable[[str, bool], None] = lambda channel, new: None
        self._pending: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._arrived = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._leaving: asyncio.Task[None] | None = None  # a writer giving its connection back
        self._writing = False
        self._store = _STORE["postgresql" if dialect_of(sessions) == "postgresql" else "sqlite"]
        self._last_store = 0.0
        self._in_burst = False
        # The context each event arrived in (request ids for the logs), while this process lives.
        self._contexts: dict[tuple[str, str], contextvars.Context] = {}

    def register(self, channel: str, parser: Parser) -> None:
        """Events of `channel` are handled in this process by `parser`."""
        self.parsers[channel] = parser

    async def store(self, channel: str, external_id: str, conversation: str, payload: str) -> bool:
        """Keep one raw event durably; False when the platform sent it before (dropped at the door).

        When this returns the event survives any crash, so the door may acknowledge. Events arriving
        together share one transaction (group commit): a burst costs a few commits, not one each.
        """
        now = utcnow()
        row = {
            "channel": channel,
            "external_id": external_id,
            "conversation": conversation,
            "payload": scrub(payload),
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "arrived_at": now,
        }
        arrived = time.monotonic()
        self._in_burst = arrived - self._last_store < QUIET_PERIOD
        self._last_store = arrived
        if len(self._contexts) < 10_000:
            self._contexts[channel, external_id] = contextvars.copy_context()
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((row, done))
        self._arrived.set()
        if self._writer is None or self._writer.done():
            # One writer: batches are written, and numbered, in the order their events came.
            self._writer = asyncio.create_task(self._write_pending(), name="inbox-writer")
        return await done

    async def _write_pending(self) -> None:
        """Write what waits, batch after batch, until nothing more has come for QUIET_PERIOD.

        Each batch is one statement, its own transaction (on PostgreSQL one round trip; past
        insertmanyvalues' page size several statements, each durable on its own, which is all a door
        needs), on a connection kept for the whole burst: taking one from the pool for each batch
        (with its ping) cost a burst of 32 at a time more CPU than the INSERT and doubled its wait."""
        kept = KeptConnection(engine_of(self.sessions))
        try:
            while self._pending or await self._arrival_within(QUIET_PERIOD):
                batch, self._pending = self._pending, []
                self._writing = True
                try:
                    new = {(row[0], row[1]) for row in await kept.execute(self._store, [row for row, _ in batch])}
                except Exception as error:
                    for _, done in batch:
                        if not done.done():
                            done.set_exception(error)
                    continue
                finally:
                    self._writing = False
                for row, done in batch:
                    key = (row["channel"], row["external_id"])
                    self.on_stored(row["channel"], key in new)
                    if not done.done():
                        done.set_result(key in new)
                    new.discard(key)  # the same event twice in one batch: only the first is new
                self.wake()
            # Decided with no await since the last look: an event stored from here on starts a writer.
            self._leaving, self._writer = self._writer, None
        finally:
            await kept.release()

    async def _arrival_within(self, seconds: float) -> bool:
        """Whether an event is stored within `seconds` (the writer has taken every earlier one)."""
        self._arrived.clear()
        # Looked at again after the wait: an event can come between the timeout and this task's turn,
        # and its door, seeing this writer still running, started none.
        return await wait_event(self._arrived, seconds) or bool(self._pending)

    async def close(self) -> None:
        """Wait for the door's writer to store what it has and give its connection back (at shutdown,
        once no request comes in any more)."""
        for writer in (self._writer, self._leaving):
            if writer is not None:
                await writer

    async def run_once(self) -> int:
        """Handle one batch of due events; the number taken."""
        if not self.parsers:
            return 0
        await self._let_doors_pass(time.monotonic())
        async with transaction(self.sessions) as session:
            claimed = await claim(session, self.parsers, self.owner, self.policy.lease, self.policy.batch)
        if not claimed:
            return 0
        async with renewing(
            "inbox", self.policy.lease / 3, lambda: renew(self.sessions, self.owner, self.policy.lease)
        ):
            outcome = await self._work(claimed)
        await self._settle(outcome)
        return len(claimed)

    def _doors_busy(self) -> bool:
        writing = bool(self._pending) or self._writing
        return writing or (self._in_burst and time.monotonic() - self._last_store < QUIET_PERIOD)

    async def _let_doors_pass(self, since: float) -> None:
        while self._doors_busy() and time.monotonic() - since < MAX_DEFERRAL:
            await asyncio.sleep(QUIET_PERIOD / 5)

    async def _work(self, claimed: list[Claimed]) -> _Outcome:
        conversations: dict[tuple[str, str], list[Claimed]] = {}
        for event in claimed:
            conversations.setdefault((event.channel, event.conversation), []).append(event)
        outcome = _Outcome()
        started = time.monotonic()
        semaphore = asyncio.Semaphore(self.policy.concurrency)

        async def _conversation(events: list[Claimed]) -> None:
            async with semaphore:
                for index, event in enumerate(events):
                    await self._let_doors_pass(started)
                    context = self._contexts.pop((event.channel, event.external_id), None)
                    try:
                        await asyncio.create_task(self._handle(event), context=context)
                    except Exception as error:
                        reason = f"{type(error).__name__}: {error}"
                        refused = isinstance(error, Unprocessable)  # no retry can help: parked at once
                        if refused or event.attempts + 1 >= self.policy.max_attempts:
                            # Parked: kept with its reason for the agents; the sender's later events go on.
                            log.log(
                                logging.WARNING if refused else logging.ERROR,
                                "inbox event %s parked: %s",
                                event.id,
                                reason,
                            )
                            outcome.parked.append((event, reason))
                            continue
                        log.warning("inbox event %s will be retried: %s", event.id, reason)
                        outcome.retry.append((event, reason))
                        # Order per conversation: what follows waits until this one is through.
                        outcome.released.extend(later.id for later in events[index + 1 :])
                        return
                    outcome.done.append(event.id)

        await asyncio.gather(*(_conversation(events) for events in conversations.values()))
        return outcome

    async def _handle(self, event: Claimed) -> None:
        for message in await self.parsers[event.channel](event.payload):
            await self.receive(message)

    async def _settle(self, outcome: _Outcome) -> None:
        now = utcnow()
        async with transaction(self.sessions) as session:
            await settle(session, outcome.done, status=DONE, done_at=now, last_error=None)
            await settle(session, outcome.released)
            for event, reason in outcome.retry:
                attempts = event.attempts + 1
                delay = timedelta(seconds=self.policy.delay(attempts))
                await settle(session, [event.id], attempts=attempts, last_error=reason, next_attempt_at=now + delay)
            for event, reason in outcome.parked:
                await settle(session, [event.id], status=PARKED, attempts=event.attempts + 1, last_error=reason)
                await tell_agents(session, event, reason)
        if outcome.parked:
            self.on_queued()
