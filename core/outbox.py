from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import AGENT_DESK, OutboundMessage
from core.models import OutboxMessage, Ticket


def enqueue(session: AsyncSession, message: OutboundMessage) -> OutboxMessage:
    """Queue a message in the caller's transaction; the delivery worker picks it up after commit."""
    row = OutboxMessage(
        channel=message.channel,
        address=message.address,
        kind=message.kind,
        payload=message.payload(),
        ticket_id=message.ticket_id,
    )
    session.add(row)
    return row


def to_desk(session: AsyncSession, ticket: Ticket, kind: str, **meta: object) -> OutboxMessage:
    """Queue an event for the agents' desk. Addressed per ticket, so tickets never wait on each other."""
    assert ticket.id is not None
    return enqueue(
        session,
        OutboundMessage(
            channel=AGENT_DESK,
            address=str(ticket.number),
            kind=kind,
            ticket_id=ticket.id,
            language=ticket.language,
            meta=dict(meta),
        ),
    )
