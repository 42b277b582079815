"""What the customer is asked when a ticket is solved or closed: confirm, then rate (once)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.messages import Choice
from core.models import Ticket, TicketEvent, TicketStatus
from core.service_texts import service_texts

RATINGS = range(1, 6)


async def rating_wanted(session: AsyncSession, ticket: Ticket) -> bool:
    """Ask for a rating on the first close only: a rated or an earlier-closed ticket is not asked again."""
    if ticket.rating is not None:
        return False
    query = select(col(TicketEvent.id)).where(
        col(TicketEvent.ticket_id) == ticket.id, col(TicketEvent.to_status) == TicketStatus.CLOSED.value
    )
    return (await session.execute(query.limit(1))).first() is None


def status_choices(ticket: Ticket, status: TicketStatus, *, ask_rating: bool = False) -> list[Choice]:
    """Buttons sent with a status notification: "solved / not solved", or the 1-5 rating."""
    lang = ticket.language
    if status is TicketStatus.SOLVED:
        return [
            Choice(id=f"solved:{ticket.number}", label=service_texts("confirm.solved", lang)),
            Choice(id=f"unsolved:{ticket.number}", label=service_texts("confirm.unsolved", lang)),
        ]
    if status is TicketStatus.CLOSED and ask_rating:
        return [Choice(id=f"rate:{ticket.number}:{value}", label=str(value)) for value in RATINGS]
    return []


def closed_text(ticket: Ticket, comment: str | None, *, ask_rating: bool = True) -> str:
    key = "closed.comment" if comment else "closed"
    if not ask_rating:
        key += ".no_rating"
    return service_texts(key, ticket.language, number=ticket.number, comment=comment or "")
