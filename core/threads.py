"""A ticket's thread on one channel: the ids its messages had there, for channels that chain replies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.models import Direction, Message, OutboxMessage, OutboxStatus, Ticket

MAX_IDS = 50


@dataclass(frozen=True)
class Thread:
    number: int
    subject: str
    public_token: str | None
    # Platform ids of the ticket's messages on the channel, oldest first: the customer's and ours.
    ids: list[str]
    # The newest of the customer's ids: what a reply answers.
    last_inbound: str | None


async def thread_of(session: AsyncSession, channel: str, ticket_id: int) -> Thread | None:
    ticket = await session.get(Ticket, ticket_id)
    if ticket is None:
        return None
    theirs = select(col(Message.created_at), col(Message.external_id)).where(
        col(Message.ticket_id) == ticket_id,
        col(Message.channel) == channel,
        col(Message.direction) == Direction.INBOUND,
        col(Message.external_id).is_not(None),
    )
    ours = select(col(OutboxMessage.created_at), col(OutboxMessage.external_id)).where(
        col(OutboxMessage.ticket_id) == ticket_id,
        col(OutboxMessage.channel) == channel,
        col(OutboxMessage.status) == OutboxStatus.SENT,
        col(OutboxMessage.external_id).is_not(None),
    )
    inbound = [(at, eid) for at, eid in (await session.execute(theirs)).all() if eid]
    outbound = [(at, eid) for at, eid in (await session.execute(ours)).all() if eid]
    ordered: list[tuple[datetime, str]] = sorted([*inbound, *outbound])
    last_inbound = max(inbound)[1] if inbound else None
    return Thread(
        ticket.number, ticket.subject, ticket.public_token, [eid for _, eid in ordered][-MAX_IDS:], last_inbound
    )
