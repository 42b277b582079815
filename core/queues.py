"""The agents' work lists (`/queue`) and the daily digest's numbers, read from tickets and SLA clocks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.models import SlaClock, Ticket, TicketStatus
from core.timeutil import utcnow

S = TicketStatus
OPEN = (S.NEW, S.IN_PROGRESS, S.WAITING_CUSTOMER)
QUEUES = ("unassigned", "mine", "overdue", "waiting")


@dataclass(frozen=True)
class Entry:
    number: int
    status: str
    subject: str
    assignee: str | None
    since: datetime

    def meta(self) -> dict[str, Any]:
        return {**asdict(self), "since": self.since.isoformat()}


def _overdue(now: datetime) -> Any:
    """Tickets with an SLA target missed and not met: breached by the timers, or due while running."""
    late = or_(
        col(SlaClock.breached_at).is_not(None),
        (col(SlaClock.paused_at).is_(None)) & (col(SlaClock.due_at) <= now),
    )
    return select(SlaClock.ticket_id).where(col(SlaClock.met_at).is_(None), late)


def _where(kind: str, agent: str | None, now: datetime) -> list[Any]:
    # Tickets linked to a mass incident follow their parent: they are no one's work of their own.
    common = [col(Ticket.parent_id).is_(None)]
    if kind == "unassigned":
        return [*common, col(Ticket.assignee).is_(None), col(Ticket.status).in_((S.NEW, S.IN_PROGRESS))]
    if kind == "mine":
        return [*common, col(Ticket.assignee) == agent, col(Ticket.status).in_(OPEN)]
    if kind == "overdue":
        return [*common, col(Ticket.status).in_(OPEN), col(Ticket.id).in_(_overdue(now))]
    if kind == "waiting":
        return [*common, col(Ticket.status) == S.WAITING_CUSTOMER]
    raise ValueError(f"no queue {kind!r}")


async def queue(
    session: AsyncSession, kind: str, *, agent: str | None = None, limit: int = 20, now: datetime | None = None
) -> tuple[int, list[Entry]]:
    """How many tickets a queue holds and its oldest `limit` (waiting: oldest untouched first)."""
    conditions = _where(kind, agent, now or utcnow())
    total = (await session.execute(select(func.count()).select_from(Ticket).where(*conditions))).scalar_one()
    waiting = kind == "waiting"
    since = col(Ticket.updated_at) if waiting else col(Ticket.created_at)
    query = select(Ticket).where(*conditions).order_by(since, col(Ticket.id)).limit(limit)
    rows = (await session.execute(query)).scalars()
    return int(total), [entry(t, t.updated_at if waiting else t.created_at) for t in rows]


def entry(ticket: Ticket, since: datetime) -> Entry:
    return Entry(ticket.number, TicketStatus(ticket.status).value, ticket.subject, ticket.assignee, since)


async def digest(session: AsyncSession, now: datetime | None = None, *, oldest: int = 5) -> dict[str, Any]:
    """The daily digest's content: open tickets by status, SLA breaches, the oldest waiting for us."""
    now = now or utcnow()
    by_status: dict[str, int] = dict(
        (
            await session.execute(
                select(Ticket.status, func.count())
                .where(col(Ticket.status).in_(OPEN), col(Ticket.parent_id).is_(None))
                .group_by(Ticket.status)
            )
        ).all()
    )
    breached = select(func.count()).where(col(SlaClock.breached_at) >= now - timedelta(days=1))
    overdue_total, overdue = await queue(session, "overdue", limit=oldest, now=now)
    conditions = [col(Ticket.parent_id).is_(None), col(Ticket.status).in_((S.NEW, S.IN_PROGRESS))]
    query = select(Ticket).where(*conditions).order_by(col(Ticket.created_at), col(Ticket.id)).limit(oldest)
    oldest_tickets = (await session.execute(query)).scalars()
    return {
        "by_status": {str(S(status).value): int(n) for status, n in by_status.items()},
        "breached_day": int((await session.execute(breached)).scalar_one()),
        "overdue_total": overdue_total,
        "overdue": [entry.meta() for entry in overdue],
        "oldest": [entry(t, t.created_at).meta() for t in oldest_tickets],
    }
