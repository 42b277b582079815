"""The agents' work lists (`/queue`) and the daily digest's numbers, read from tickets and SLA clocks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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
        SlaClock.breached_at.is_not(None),  # type: ignore[union-attr]
        (SlaClock.paused_at.is_(None)) & (SlaClock.due_at <= now),  # type: ignore[union-attr, operator]
    )
    return select(SlaClock.ticket_id).where(SlaClock.met_at.is_(None), late)  # type: ignore[union-attr]


def _where(kind: str, agent: str | None, now: datetime) -> list[Any]:
    # Tickets linked to a mass incident follow their parent: they are no one's work of their own.
    common = [Ticket.parent_id.is_(None)]  # type: ignore[union-attr]
    if kind == "unassigned":
        return [*common, Ticket.assignee.is_(None), Ticket.status.in_((S.NEW, S.IN_PROGRESS))]  # type: ignore[union-attr, attr-defined]
    if kind == "mine":
        return [*common, Ticket.assignee == agent, Ticket.status.in_(OPEN)]  # type: ignore[attr-defined]
    if kind == "overdue":
        return [*common, Ticket.status.in_(OPEN), Ticket.id.in_(_overdue(now))]  # type: ignore[attr-defined, union-attr]
    if kind == "waiting":
        return [*common, Ticket.status == S.WAITING_CUSTOMER]
    raise ValueError(f"no queue {kind!r}")


async def queue(
    session: AsyncSession, kind: str, *, agent: str | None = None, limit: int = 20, now: datetime | None = None
) -> tuple[int, list[Entry]]:
    """How many tickets a queue holds and its oldest `limit` (waiting: oldest untouched first)."""
    conditions = _where(kind, agent, now or utcnow())
    total = (await session.execute(select(func.count()).select_from(Ticket).where(*conditions))).scalar_one()
    since = Ticket.updated_at if kind == "waiting" else Ticket.created_at
    query = (
        select(Ticket.number, Ticket.status, Ticket.subject, Ticket.assignee, since)
        .where(*conditions)
        .order_by(since, Ticket.id)
    )
    rows = (await session.execute(query.limit(limit))).all()
    return int(total), [Entry(int(n), str(s), str(subject), a, at) for n, s, subject, a, at in rows]


async def digest(session: AsyncSession, now: datetime | None = None, *, oldest: int = 5) -> dict[str, Any]:
    """The daily digest's content: open tickets by status, SLA breaches, the oldest waiting for us."""
    now = now or utcnow()
    by_status: dict[str, int] = dict(
        (
            await session.execute(
                select(Ticket.status, func.count())
                .where(Ticket.status.in_(OPEN), Ticket.parent_id.is_(None))  # type: ignore[attr-defined, union-attr]
                .group_by(Ticket.status)
            )
        ).all()
    )
    breached = select(func.count()).where(SlaClock.breached_at >= now - timedelta(days=1))  # type: ignore[operator]
    overdue_total, overdue = await queue(session, "overdue", limit=oldest, now=now)
    conditions = [Ticket.parent_id.is_(None), Ticket.status.in_((S.NEW, S.IN_PROGRESS))]  # type: ignore[union-attr, attr-defined]
    rows = await session.execute(
        select(Ticket.number, Ticket.status, Ticket.subject, Ticket.assignee, Ticket.created_at)
        .where(*conditions)
        .order_by(Ticket.created_at, Ticket.id)
        .limit(oldest)
    )
    return {
        "by_status": {str(S(status).value): int(n) for status, n in by_status.items()},
        "breached_day": int((await session.execute(breached)).scalar_one()),
        "overdue_total": overdue_total,
        "overdue": [entry.meta() for entry in overdue],
        "oldest": [Entry(int(n), str(s), str(x), a, at).meta() for n, s, x, a, at in rows.all()],
    }
