from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import AGENT_DESK, OutboundMessage
from core.models import OutboxMessage, OutboxStatus, Ticket
from core.timeutil import utcnow


def enqueue(session: AsyncSession, message: OutboundMessage) -> OutboxMessage:
    """Queue a message in the caller's transaction; the delivery worker picks it up after commit."""
    row = OutboxMessage(**outbox_row(message, utcnow()))
    session.add(row)
    return row


def outbox_row(message: OutboundMessage, now: datetime) -> dict[str, Any]:
    """The `outboxmessage` row that queues `message` (both ways of writing a customer's message)."""
    return {
        "channel": message.channel,
        "address": message.address,
        "kind": message.kind,
        "payload": message.payload(),
        "ticket_id": message.ticket_id,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def to_desk(session: AsyncSession, ticket: Ticket, kind: str, **meta: object) -> OutboxMessage:
    """Queue an event for the agents' desk. Addressed per ticket, so tickets never wait on each other."""
    assert ticket.id is not None
    return enqueue(session, desk_event(ticket.id, ticket.number, ticket.language, kind, **meta))


def desk_event(ticket_id: int, number: int, language: str, kind: str, **meta: object) -> OutboundMessage:
    """An event for the agents' desk about a ticket."""
    return OutboundMessage(
        channel=AGENT_DESK, address=str(number), kind=kind, ticket_id=ticket_id, language=language, meta=dict(meta)
    )


async def undelivered(session: AsyncSession, outbox_id: int, reason: str) -> bool:
    """A message the platform accepted and later reported undelivered: its row says so and the agents
    hear of it, in the caller's transaction. False when it already failed or belongs to no ticket."""
    row = await session.get(OutboxMessage, outbox_id)
    if row is None or row.status == OutboxStatus.FAILED:
        return False
    row.status, row.last_error = OutboxStatus.FAILED, reason
    ticket = await session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if ticket is None:
        return False
    to_desk(session, ticket, "delivery_failed", outbox_id=row.id, reason=reason)
    return True
