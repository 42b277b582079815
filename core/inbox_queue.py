"""The inbox table as a queue: claim in order per conversation, renew leases, settle, list, re-queue."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.db import SessionFactory, session_dialect, transaction
from core.messages import AGENT_DESK, OutboundMessage
from core.models import InboxEvent, Ticket, TicketStatus
from core.outbox import enqueue, to_desk
from core.timeutil import utcnow

PENDING, DONE, PARKED = "pending", "done", "parked"
GENERAL = "general"
"""Address of desk events that belong to no ticket: the agents' General topic."""


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    external_id: str
    conversation: str
    payload: str
    attempts: int


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(col(InboxEvent.locked_until).is_(None), col(InboxEvent.locked_until) < now)


async def claim(
    session: AsyncSession, channels: Collection[str], owner: str, lease: float, limit: int
) -> list[Claimed]:
    """Lease up to `limit` due events, each conversation's from its oldest pending one on.

    A conversation whose oldest pending event is not due (backing off) or leased by another worker
    is left alone entirely, so its events are never handled out of order or two at once.
    """
    now = utcnow()
    due = (
        select(InboxEvent)
        .where(
            col(InboxEvent.status) == PENDING,
            col(InboxEvent.channel).in_(channels),
            col(InboxEvent.next_attempt_at) <= now,
            _free(now),
        )
        .order_by(col(InboxEvent.id))
        .limit(limit)
    )
    if session_dialect(session) == "postgresql":
        # Several instances: each takes rows the others are not taking at this moment.
        due = due.with_for_update(skip_locked=True)
    candidates = list((await session.execute(due)).scalars())
    if not candidates:
        return []
    keys = {(row.channel, row.conversation) for row in candidates}
    # The oldest pending event of each conversation, read without locks: one that another worker
    # holds (or that is backing off) is older than our candidates, and the conversation waits.
    heads_query = (
        select(col(InboxEvent.channel), col(InboxEvent.conversation), func.min(col(InboxEvent.id)))
        .where(
            col(InboxEvent.status) == PENDING,
            col(InboxEvent.channel).in_({k[0] for k in keys}),
            col(InboxEvent.conversation).in_({k[1] for k in keys}),
        )
        .group_by(col(InboxEvent.channel), col(InboxEvent.conversation))
    )
    heads = {(channel, conversation): head for channel, conversation, head in await session.execute(heads_query)}
    taken: list[InboxEvent] = []
    first: dict[tuple[str, str], int] = {}
    for row in candidates:
        key = (row.channel, row.conversation)
        first.setdefault(key, row.id or 0)
        if heads.get(key) == first[key]:
            taken.append(row)
    if not taken:
        return []
    connection = await session.connection()
    won = set(
        (
            await connection.execute(
                update(InboxEvent)
                .where(col(InboxEvent.id).in_([row.id for row in taken]), col(InboxEvent.status) == PENDING, _free(now))
                .values(locked_until=now + timedelta(seconds=lease), locked_by=owner)
                .returning(col(InboxEvent.id))
            )
        ).scalars()
    )
    return [
        Claimed(row.id or 0, row.channel, row.external_id, row.conversation, row.payload, row.attempts)
        for row in taken
        if row.id in won
    ]


async def renew(sessions: SessionFactory, owner: str, lease: float) -> None:
    """Extend every lease `owner` holds: a live worker keeps its events, a dead one's come back soon."""
    async with transaction(sessions) as session:
        connection = await session.connection()
        await connection.execute(
            update(InboxEvent)
            .where(col(InboxEvent.locked_by) == owner, col(InboxEvent.status) == PENDING)
            .values(locked_until=utcnow() + timedelta(seconds=lease))
        )


async def settle(session: AsyncSession, ids: Sequence[int], **values: object) -> None:
    """Release `ids` with `values` set (none: back to the queue as they were)."""
    if not ids:
        return
    connection = await session.connection()
    await connection.execute(
        update(InboxEvent).where(col(InboxEvent.id).in_(list(ids))).values(locked_until=None, locked_by=None, **values)
    )


async def tell_agents(session: AsyncSession, event: Claimed, reason: str) -> None:
    """Queue `inbound_parked` for the agents: in the sender's open ticket, else the General topic."""
    ticket = (
        await session.execute(
            select(Ticket)
            .where(
                col(Ticket.channel) == event.channel,
                col(Ticket.address) == event.conversation,
                col(Ticket.status) != TicketStatus.CLOSED,
            )
            .order_by(col(Ticket.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    meta = {"event_id": event.id, "channel": event.channel, "sender": event.conversation, "reason": reason}
    if ticket is not None:
        to_desk(session, ticket, "inbound_parked", **meta)
        return
    enqueue(
        session,
        OutboundMessage(channel=AGENT_DESK, address=GENERAL, kind="inbound_parked", meta={**meta, "general": True}),
    )


async def listed(sessions: SessionFactory, status: str = PARKED, limit: int = 100) -> list[InboxEvent]:
    async with sessions() as session:
        query = select(InboxEvent).where(col(InboxEvent.status) == status).order_by(col(InboxEvent.id)).limit(limit)
        return list((await session.execute(query)).scalars())


async def requeue(sessions: SessionFactory, ids: Collection[int] | None) -> int:
    """Set parked events (`ids`, or all when None) pending again with fresh attempts; how many."""
    condition = col(InboxEvent.status) == PARKED
    if ids is not None:
        condition = and_(condition, col(InboxEvent.id).in_(list(ids)))
    async with transaction(sessions) as session:
        connection = await session.connection()
        result = await connection.execute(
            update(InboxEvent)
            .where(condition)
            .values(status=PENDING, attempts=0, next_attempt_at=utcnow(), locked_until=None, locked_by=None)
        )
    return int(result.rowcount)
