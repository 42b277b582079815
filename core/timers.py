"""The background loop of durable timers: SLA warnings and breaches, auto-close, broadcast reports.

Every timer is a row; firing it is a compare-and-set on that row in the same transaction that
queues its desk event, so it fires once however many instances run and however often they restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core import mass
from core.db import SessionFactory, transaction
from core.models import MassBroadcast, SlaClock, Ticket, TicketStatus
from core.outbox import to_desk
from core.service_texts import service_texts
from core.status import change_status
from core.timeutil import utcnow

log = logging.getLogger(__name__)
BATCH = 200
AUTO_CLOSE_ACTOR = "system:auto_close"


class TimerLoop:
    def __init__(
        self,
        sessions: SessionFactory,
        *,
        auto_close_days: int,
        interval: float = 15.0,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.auto_close_days = auto_close_days
        self.interval = interval
        self.on_queued = on_queued

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("timer pass failed; retrying after a pause")
            await asyncio.sleep(self.interval)

    async def run_once(self, now: datetime | None = None) -> int:
        """Fire everything due at `now`; the number of timers fired."""
        now = now or utcnow()
        fired = await self._clocks(now, breach=False) + await self._clocks(now, breach=True)
        fired += await self._auto_close(now) + await self._reports(now)
        if fired:
            self.on_queued()
        return fired

    async def _due_ids(self, query: Any) -> list[int]:
        async with self.sessions() as session:
            return list((await session.execute(query.limit(BATCH))).scalars())

    async def _clocks(self, now: datetime, *, breach: bool) -> int:
        moment, done = (SlaClock.due_at, SlaClock.breached_at) if breach else (SlaClock.warn_at, SlaClock.warned_at)
        running = (SlaClock.met_at.is_(None), SlaClock.paused_at.is_(None), done.is_(None), moment <= now)  # type: ignore[union-attr, operator]
        if not breach:
            # A warning due together with its breach is left out: the breach says it all.
            running = (*running, SlaClock.due_at > now)  # type: ignore[operator]
        fired = 0
        for clock_id in await self._due_ids(select(SlaClock.id).where(*running)):
            async with transaction(self.sessions) as session:
                values: dict[str, Any] = {"breached_at": now} if breach else {"warned_at": now}
                claimed = await session.execute(
                    update(SlaClock).where(SlaClock.id == clock_id, *running).values(**values)
                )
                if not claimed.rowcount:  # type: ignore[attr-defined]
                    continue  # another instance fired it, or the ticket moved on meanwhile
                clock = await session.get(SlaClock, clock_id)
                assert clock is not None
                if breach and clock.warned_at is None:
                    clock.warned_at = now  # a warning after the breach would only confuse
                await self._announce(session, clock, "sla_breach" if breach else "sla_warning")
                fired += 1
        return fired

    async def _announce(self, session: AsyncSession, clock: SlaClock, kind: str) -> None:
        ticket = await session.get(Ticket, clock.ticket_id)
        assert ticket is not None
        to_desk(
            session,
            ticket,
            kind,
            target=clock.target,
            due_at=clock.due_at.isoformat() if clock.due_at else None,
            assignee=ticket.assignee,
            level=ticket.level,
            # Breaches are also listed in the group's general topic.
            general=kind == "sla_breach",
        )

    async def _auto_close(self, now: datetime) -> int:
        cutoff = now - timedelta(days=self.auto_close_days)
        stale = (Ticket.status == TicketStatus.SOLVED, Ticket.updated_at <= cutoff)
        closed = 0
        for ticket_id in await self._due_ids(select(Ticket.id).where(*stale)):
            async with transaction(self.sessions) as session:
                query = select(Ticket).where(Ticket.id == ticket_id, *stale).with_for_update()
                ticket = (await session.execute(query)).scalar_one_or_none()
                if ticket is None:
                    continue  # answered, reopened or closed by someone else meanwhile
                reason = service_texts("closed.auto", ticket.language, count=self.auto_close_days)
                await change_status(session, ticket, TicketStatus.CLOSED, actor=AUTO_CLOSE_ACTOR, comment=reason)
                closed += 1
        return closed

    async def _reports(self, now: datetime) -> int:
        """Tell the mass incident's topic how many customers a broadcast reached, once all settled."""
        unreported = select(MassBroadcast.id).where(MassBroadcast.reported_at.is_(None))  # type: ignore[union-attr]
        reported = 0
        for broadcast_id in await self._due_ids(unreported.order_by(MassBroadcast.id)):
            async with transaction(self.sessions) as session:
                counts = await mass.reach(session, broadcast_id)
                if counts["pending"]:
                    continue
                claimed = await session.execute(
                    update(MassBroadcast)
                    .where(MassBroadcast.id == broadcast_id, MassBroadcast.reported_at.is_(None))  # type: ignore[union-attr]
                    .values(reported_at=now)
                )
                if not claimed.rowcount:  # type: ignore[attr-defined]
                    continue
                broadcast = await session.get(MassBroadcast, broadcast_id)
                parent = await session.get(Ticket, broadcast.ticket_id) if broadcast else None
                assert broadcast is not None and parent is not None
                to_desk(
                    session,
                    parent,
                    "mass_reached",
                    broadcast_id=broadcast_id,
                    broadcast_kind=broadcast.kind,
                    linked=broadcast.linked,
                    recipients=counts["sent"] + counts["failed"],
                    reached=counts["sent"],
                    failed=counts["failed"],
                )
                reported += 1
        return reported
