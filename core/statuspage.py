"""The public status page of a ticket: what its unguessable link shows, and only that."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.expected import page_line
from core.models import Direction, Message, Ticket, TicketEvent, TicketStatus
from core.service_texts import service_texts
from core.timeutil import utcnow
from core.turn import Turn

# 24 random bytes: far beyond guessing, and short enough for a chat message.
TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def status_link(turn: Turn, ticket: Ticket) -> str:
    """The line with the ticket's status page, for the creation reply; empty without PUBLIC_URL."""
    if not turn.limits.public_url or not ticket.public_token:
        return ""
    url = f"{turn.limits.public_url}/t/{ticket.public_token}"
    return "\n\n" + service_texts("created.link", turn.language, url=url)


@dataclass(frozen=True)
class PublicEntry:
    at: datetime
    from_customer: bool
    author: str
    text: str


@dataclass(frozen=True)
class PublicView:
    ticket: Ticket
    entries: list[PublicEntry]
    # "First response expected by Tuesday 11:00 (UTC+3)" while it is owed; else empty.
    expected: str = ""


async def public_view(session: AsyncSession, token: str) -> PublicView | None:
    """The ticket behind a status-page token with its public history; None for an unknown token."""
    if not token or len(token) > 64:
        return None
    # An indexed equality lookup: the token is a random key, and a miss reveals nothing about others.
    ticket = (await session.execute(select(Ticket).where(Ticket.public_token == token))).scalar_one_or_none()
    if ticket is None or not secrets.compare_digest(ticket.public_token or "", token):
        return None
    # The conversation only: the answers of the intake dialog ("hi", "Feature request", "Skip") were
    # stored before the ticket existed; what they said is the type, subject and description above.
    messages = select(Message).where(
        col(Message.ticket_id) == ticket.id,
        col(Message.direction).in_((Direction.INBOUND, Direction.OUTBOUND)),
        col(Message.created_at) > ticket.created_at,
    )
    entries = [PublicEntry(ticket.created_at, True, "", ticket.description)] if ticket.description.strip() else []
    entries += [
        PublicEntry(m.created_at, m.direction == Direction.INBOUND, m.author or "", m.text)
        for m in (await session.execute(messages)).scalars()
        if m.text.strip()
    ]
    # Solutions travel as status comments, not messages; they are public, notes never are.
    solved = select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id,
        TicketEvent.to_status == TicketStatus.SOLVED.value,
        TicketEvent.comment.is_not(None),  # type: ignore[union-attr]
    )
    entries += [
        PublicEntry(e.created_at, False, "", e.comment or "") for e in (await session.execute(solved)).scalars()
    ]
    expected = await page_line(session, ticket, utcnow())
    return PublicView(ticket, sorted(entries, key=lambda entry: entry.at), expected)
