"""Who works on a ticket: assigning it to an agent by name, or leaving it unassigned."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Ticket, TicketStatus
from core.staff import Agent
from core.status import change_status
from core.tickets import InvalidTransition, TicketError, record


class AlreadyAssigned(TicketError):
    def __init__(self, number: int, name: str) -> None:
        super().__init__(f"#{number} is already assigned to {name}")
        self.number, self.name = number, name


class NotAssigned(TicketError):
    def __init__(self, number: int) -> None:
        super().__init__(f"#{number} has no assignee")
        self.number = number


@dataclass(frozen=True)
class Assignment:
    assignee: str | None
    previous: str | None


async def assign(session: AsyncSession, ticket: Ticket, by: Agent, name: str, *, again: bool = True) -> Assignment:
    """Make `name` the assignee (a new ticket goes in progress). `again=False` refuses a repeat."""
    if ticket.status == TicketStatus.CLOSED:
        raise InvalidTransition(TicketStatus.CLOSED, TicketStatus.IN_PROGRESS)
    previous = ticket.assignee
    if previous == name and not again:
        raise AlreadyAssigned(ticket.number, name)
    ticket.assignee = name
    record(session, ticket, "assigned", by.actor, comment=name)
    if ticket.status == TicketStatus.NEW:
        await change_status(session, ticket, TicketStatus.IN_PROGRESS, actor=by.actor)
    return Assignment(name, previous)


async def unassign(session: AsyncSession, ticket: Ticket, by: Agent) -> Assignment:
    """Leave the ticket without an assignee."""
    previous = ticket.assignee
    if previous is None:
        raise NotAssigned(ticket.number)
    ticket.assignee = None
    record(session, ticket, "unassigned", by.actor, comment=previous)
    return Assignment(None, previous)
