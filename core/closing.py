"""What the customer is asked when a ticket is solved or closed: confirm, then rate."""

from __future__ import annotations

from core.messages import Choice
from core.models import Ticket, TicketStatus
from core.service_texts import service_texts

RATINGS = range(1, 6)


def status_choices(ticket: Ticket, status: TicketStatus) -> list[Choice]:
    """Buttons sent with a status notification: "solved / not solved", or the 1-5 rating."""
    lang = ticket.language
    if status is TicketStatus.SOLVED:
        return [
            Choice(id=f"solved:{ticket.number}", label=service_texts("confirm.solved", lang)),
            Choice(id=f"unsolved:{ticket.number}", label=service_texts("confirm.unsolved", lang)),
        ]
    if status is TicketStatus.CLOSED and ticket.rating is None:
        return [Choice(id=f"rate:{ticket.number}:{value}", label=str(value)) for value in RATINGS]
    return []


def closed_text(ticket: Ticket, comment: str | None) -> str:
    """The closing notice; it asks for a rating only while the ticket has none (no buttons come with it then)."""
    key = "closed" if ticket.rating is None else "closed.rated"
    if comment:
        return service_texts(f"{key}.comment", ticket.language, number=ticket.number, comment=comment)
    return service_texts(key, ticket.language, number=ticket.number)
