"""What a desk shows of a ticket (and a channel needs to know of a customer), read as frozen views.

Built by the core's own queries, so a desk (the Telegram forum group today) or a channel needs no table
of the core, and a change to those tables stays inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import sla
from core.messages import AttachmentRef
from core.models import (
    Attachment,
    Contact,
    Contract,
    Dialog,
    Identity,
    Message,
    Organization,
    Ticket,
    TicketStatus,
    TicketType,
)
from core.sla import ClockView
from core.tickets import status_name, type_name


@dataclass(frozen=True)
class TicketView:
    id: int
    number: int
    type: TicketType
    status: TicketStatus
    subject: str
    description: str
    channel: str
    address: str
    level: str | None
    organization_id: int | None
    created_at: datetime
    assignee: str | None = None
    parent_id: int | None = None
    rating: int | None = None

    @classmethod
    def of(cls, ticket: Ticket) -> TicketView:
        assert ticket.id is not None
        return cls(
            id=ticket.id,
            number=ticket.number,
            type=TicketType(ticket.type),
            status=TicketStatus(ticket.status),
            subject=ticket.subject,
            description=ticket.description,
            channel=ticket.channel,
            address=ticket.address,
            level=ticket.level,
            organization_id=ticket.organization_id,
            created_at=ticket.created_at,
            assignee=ticket.assignee,
            parent_id=ticket.parent_id,
            rating=ticket.rating,
        )


@dataclass(frozen=True)
class MessageView:
    """A message on a ticket's thread with its files, as a desk shows it."""

    id: int
    channel: str
    address: str
    author: str | None
    text: str
    external_id: str | None
    attachments: tuple[AttachmentRef, ...] = ()


@dataclass(frozen=True)
class CardView:
    """The ticket card: who asked, under which contract, the SLA clocks, what they sent."""

    ticket: TicketView
    customer: str
    organization: str | None
    contract_level: str | None
    clocks: tuple[ClockView, ...]
    attachment_names: tuple[str, ...]
    customer_name: str | None = None  # None: the customer gave no name (`customer` is then their address)
    parent: TicketRef | None = None  # the mass incident this ticket is linked to
    linked: tuple[TicketRef, ...] = ()  # the tickets linked to this mass incident
    earlier: tuple[TicketRef, ...] = ()  # the customer's earlier requests, newest first


@dataclass(frozen=True)
class TicketRef:
    id: int
    number: int


async def ticket(session: AsyncSession, ticket_id: int) -> TicketView | None:
    row = await session.get(Ticket, ticket_id)
    return TicketView.of(row) if row is not None else None


async def ticket_number(session: AsyncSession, ticket_id: int) -> int | None:
    query = select(Ticket.number).where(col(Ticket.id) == ticket_id)
    number = (await session.execute(query)).scalar_one_or_none()
    return int(number) if number is not None else None


async def card(session: AsyncSession, ticket_id: int) -> CardView | None:
    row = await session.get(Ticket, ticket_id)
    if row is None:
        return None
    contact = await session.get(Contact, row.contact_id)
    query = select(Identity).where(col(Identity.channel) == row.channel, col(Identity.address) == row.address)
    identity = (await session.execute(query)).scalar_one_or_none()
    name = (identity.display_name if identity else None) or (contact.name if contact else None)
    customer = name or row.address
    organization = await session.get(Organization, row.organization_id) if row.organization_id is not None else None
    level = await contract_level(session, row.organization_id) if row.organization_id is not None else None
    files = (await session.execute(select(Attachment).where(col(Attachment.ticket_id) == row.id))).scalars()
    return CardView(
        ticket=TicketView.of(row),
        customer=customer,
        organization=organization.name if organization else None,
        contract_level=level,
        clocks=tuple(await sla.time_left(session, row)),
        attachment_names=tuple(f.filename or f.kind for f in files),
        customer_name=name,
        parent=await _ref_of(session, row.parent_id) if row.parent_id is not None else None,
        linked=await _refs(session, col(Ticket.parent_id) == row.id, col(Ticket.id)),
        earlier=await _refs(
            session, (col(Ticket.contact_id) == row.contact_id) & (col(Ticket.id) < row.id), col(Ticket.id).desc()
        ),
    )


async def _ref_of(session: AsyncSession, ticket_id: int) -> TicketRef | None:
    number = await ticket_number(session, ticket_id)
    return TicketRef(ticket_id, number) if number is not None else None


async def _refs(session: AsyncSession, where: Any, order: Any) -> tuple[TicketRef, ...]:
    query = select(Ticket.id, Ticket.number).where(where).order_by(order)
    return tuple(TicketRef(int(i), int(n)) for i, n in (await session.execute(query)).all())


async def ticket_by_number(session: AsyncSession, number: int) -> TicketView | None:
    row = (await session.execute(select(Ticket).where(col(Ticket.number) == number))).scalar_one_or_none()
    return TicketView.of(row) if row is not None else None


async def linked_numbers(session: AsyncSession, parent_id: int) -> list[int]:
    """The numbers of the tickets linked to a mass incident."""
    query = select(Ticket.number).where(col(Ticket.parent_id) == parent_id).order_by(col(Ticket.id))
    return [int(n) for n in (await session.execute(query)).scalars()]


async def contract_level(session: AsyncSession, organization_id: int) -> str | None:
    """The level of the organization's contract in force today."""
    today = date.today()
    query = (
        select(Contract.level)
        .where(col(Contract.organization_id) == organization_id, col(Contract.starts_on) <= today)
        .where(or_(col(Contract.ends_on).is_(None), col(Contract.ends_on) >= today))
        .order_by(col(Contract.starts_on).desc())
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def messages(session: AsyncSession, ids: Sequence[object]) -> list[MessageView]:
    """The messages with these ids, oldest first, each with its files."""
    rows = list(
        (await session.execute(select(Message).where(col(Message.id).in_(ids)).order_by(col(Message.id)))).scalars()
    )
    files = list(
        (
            await session.execute(
                select(Attachment)
                .where(col(Attachment.message_id).in_([m.id for m in rows]))
                .order_by(col(Attachment.id))
            )
        ).scalars()
    )
    return [_message(row, [f for f in files if f.message_id == row.id]) for row in rows]


async def opening_files(session: AsyncSession, view: TicketView) -> list[tuple[AttachmentRef, MessageView]]:
    """The files that came with the request itself, each with the message it came in."""
    query = (
        select(Attachment, Message)
        .join(Message, col(Attachment.message_id) == col(Message.id))
        # Only what came with the request: later files arrive as their own customer_message events.
        .where(col(Attachment.ticket_id) == view.id, col(Attachment.created_at) <= view.created_at)
        .order_by(col(Attachment.id))
    )
    return [(_ref(file), _message(message, [])) for file, message in (await session.execute(query)).all()]


async def in_progress(session: AsyncSession, channel: str, address: str) -> bool:
    """Whether this address has a request that is not closed, or a dialog with the bot not finished."""
    open_ticket = exists().where(
        col(Ticket.channel) == channel, col(Ticket.address) == address, col(Ticket.status) != TicketStatus.CLOSED
    )
    open_dialog = exists().where(
        col(Dialog.identity_id) == Identity.id, col(Identity.channel) == channel, col(Identity.address) == address
    )
    return bool((await session.execute(select(open_ticket | open_dialog))).scalar())


async def last_inbound_at(session: AsyncSession, channel: str, address: str) -> datetime | None:
    """When the customer last wrote from this address (WhatsApp's 24-hour window counts from it)."""
    query = select(Identity.last_inbound_at).where(col(Identity.channel) == channel, col(Identity.address) == address)
    return (await session.execute(query)).scalar_one_or_none()


def _ref(row: Attachment) -> AttachmentRef:
    return AttachmentRef.model_validate(row, from_attributes=True)


def _message(row: Message, files: list[Attachment]) -> MessageView:
    assert row.id is not None
    return MessageView(
        id=row.id,
        channel=row.channel,
        address=row.address,
        author=row.author,
        text=row.text,
        external_id=row.external_id,
        attachments=tuple(_ref(f) for f in files),
    )


__all__ = [
    "CardView",
    "ClockView",
    "MessageView",
    "TicketRef",
    "TicketStatus",
    "TicketType",
    "TicketView",
    "card",
    "last_inbound_at",
    "linked_numbers",
    "messages",
    "opening_files",
    "status_name",
    "ticket",
    "ticket_by_number",
    "ticket_number",
    "type_name",
]
