"""A ticket that follows a closed one: the link, recorded when the new ticket is created."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.customer_models import TicketFollowUp
from core.models import Ticket
from core.outbox import to_desk
from core.service_texts import service_texts
from core.tickets import record

FOLLOWS = "follows"
"""Key of the intake data naming the closed ticket a new one follows."""


async def link(session: AsyncSession, ticket: Ticket, data: dict[str, Any], actor: str) -> str:
    """Link a new ticket to the closed one it follows (if any); the line that tells the customer."""
    if not data.get(FOLLOWS):
        return ""
    query = select(Ticket).where(col(Ticket.number) == int(data[FOLLOWS]))
    previous = (await session.execute(query)).scalar_one_or_none()
    if previous is None or previous.id is None or previous.contact_id != ticket.contact_id:
        return ""
    assert ticket.id is not None
    session.add(TicketFollowUp(ticket_id=ticket.id, previous_id=previous.id))
    record(session, ticket, "follows", actor, comment=f"#{previous.number}")
    to_desk(session, ticket, "follow_up", previous=previous.number)
    return "\n\n" + service_texts("followup.linked", ticket.language, previous=previous.number)


async def previous_of(session: AsyncSession, ticket: Ticket) -> Ticket | None:
    """The closed ticket this one follows, if it was opened as a follow-up."""
    link_row = await session.get(TicketFollowUp, ticket.id)
    return await session.get(Ticket, link_row.previous_id) if link_row is not None else None
