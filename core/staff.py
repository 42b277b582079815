"""Who acts for the support team, and their words kept on a ticket's thread."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Direction, Message, Ticket


@dataclass(frozen=True)
class Agent:
    name: str
    external_id: str = ""

    @property
    def actor(self) -> str:
        return f"agent:{self.name}"


def staff_message(
    session: AsyncSession, ticket: Ticket, author: str, text: str, direction: Direction = Direction.OUTBOUND
) -> Message:
    """Staff's words kept on the ticket's thread (sending them is the caller's part)."""
    message = Message(
        ticket_id=ticket.id,
        direction=direction,
        channel=ticket.channel,
        address=ticket.address,
        author=author,
        text=text,
    )
    session.add(message)
    return message
