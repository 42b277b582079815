"""A customer's own tickets, and their words added to one of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.dialog import collect, link_to_ticket
from core.models import Ticket, TicketStatus
from core.outbox import to_desk
from core.status import change_status
from core.tickets import touch
from core.turn import Turn


async def owned_ticket(session: AsyncSession, turn: Turn, number: int) -> Ticket | None:
    query = select(Ticket).where(col(Ticket.number) == number, col(Ticket.contact_id) == turn.identity.contact_id)
    return (await session.execute(query)).scalar_one_or_none()


async def append(turn: Turn, ticket: Ticket, data: dict[str, Any] | None = None) -> None:
    """Add the customer's message(s) to a ticket and show them to the agents."""
    data = data or collect(turn, {})
    await link_to_ticket(turn.session, ticket, data)
    if reopens(ticket.status):
        notify = turn.inbound.automatic_replies
        await change_status(turn.session, ticket, TicketStatus.IN_PROGRESS, actor=turn.actor, notify=notify)
    touch(ticket)
    for message_id in data.get("message_ids", []):
        to_desk(turn.session, ticket, "customer_message", message_id=message_id)


def reopens(status: TicketStatus) -> bool:
    """Whether the customer's new words move the ticket back to work (both ways of writing them)."""
    return status == TicketStatus.WAITING_CUSTOMER
