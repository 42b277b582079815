"""What agents do to a ticket, whatever tool they do it from."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core import sla
from core.contacts import store_attachments
from core.files import FileStore
from core.messages import AttachmentRef, InboundAttachment, OutboundMessage
from core.models import Direction, Message, Ticket, TicketStatus, TicketType
from core.outbox import enqueue
from core.staff import Agent, staff_message
from core.status import change_status
from core.texts import texts
from core.tickets import TicketError, record, touch


class EmptyReply(TicketError):
    def __init__(self) -> None:
        super().__init__("nothing to send: the reply has no text and no files")


async def reply(
    session: AsyncSession,
    files: FileStore,
    ticket: Ticket,
    agent: Agent,
    text: str,
    attachments: list[InboundAttachment] | None = None,
) -> Message:
    """Send an agent's words (and files) to the customer on the ticket's own channel."""
    text = text.strip()
    if not text and not attachments:
        raise EmptyReply()
    message = staff_message(session, ticket, agent.name, text)
    await session.flush()
    rows = store_attachments(session, files, message, attachments or [], ticket_id=ticket.id)
    await session.flush()
    enqueue(
        session,
        OutboundMessage(
            channel=ticket.channel,
            address=ticket.address,
            text=texts("agent_reply", ticket.language, number=ticket.number, text=text) if text else "",
            attachments=[AttachmentRef.model_validate(row, from_attributes=True) for row in rows],
            ticket_id=ticket.id,
            language=ticket.language,
            meta={"message_id": message.id, "agent": agent.name},
        ),
    )
    await sla.responded(session, ticket)
    if ticket.status == TicketStatus.NEW:
        await change_status(session, ticket, TicketStatus.IN_PROGRESS, actor=agent.actor)
    touch(ticket)
    return message


async def note(session: AsyncSession, ticket: Ticket, agent: Agent, text: str) -> Message:
    """An internal note: kept on the ticket, never sent to the customer."""
    if not text.strip():
        raise EmptyReply()
    message = staff_message(session, ticket, agent.name, text.strip(), Direction.NOTE)
    record(session, ticket, "note", agent.actor, comment=text.strip())
    return message


async def ask(session: AsyncSession, ticket: Ticket, agent: Agent, question: str) -> None:
    """Ask the customer for details; the ticket waits for them."""
    if not question.strip():
        raise EmptyReply()
    staff_message(session, ticket, agent.name, question.strip())
    await change_status(session, ticket, TicketStatus.WAITING_CUSTOMER, actor=agent.actor, comment=question)


async def set_status(
    session: AsyncSession, ticket: Ticket, agent: Agent, status: TicketStatus, comment: str | None = None
) -> None:
    await change_status(session, ticket, status, actor=agent.actor, comment=comment)


async def take(session: AsyncSession, ticket: Ticket, agent: Agent) -> None:
    ticket.assignee = agent.name
    record(session, ticket, "assigned", agent.actor, comment=agent.name)
    if ticket.status == TicketStatus.NEW:
        await change_status(session, ticket, TicketStatus.IN_PROGRESS, actor=agent.actor)


async def set_type(session: AsyncSession, ticket: Ticket, agent: Agent, ticket_type: TicketType) -> None:
    record(session, ticket, "type", agent.actor, comment=f"{TicketType(ticket.type).value} -> {ticket_type.value}")
    ticket.type = ticket_type
