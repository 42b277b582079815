"""Mass incidents: one ticket that many customers' tickets are linked to and follow."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import sla, tickets
from core.closing import status_choices
from core.messages import AGENT_DESK
from core.models import (
    BroadcastRecipient,
    MassBroadcast,
    OutboxMessage,
    OutboxStatus,
    Ticket,
    TicketStatus,
    TicketType,
)
from core.outbox import to_desk
from core.service_texts import service_texts
from core.staff import Agent, staff_message

S = TicketStatus
OPEN_STATUSES = (S.NEW, S.IN_PROGRESS, S.WAITING_CUSTOMER)


class MassError(tickets.TicketError):
    pass


def is_mass(ticket: Ticket) -> bool:
    return ticket.type == TicketType.MASS_INCIDENT and ticket.parent_id is None


async def open_incidents(session: AsyncSession) -> list[Ticket]:
    query = select(Ticket).where(
        Ticket.type == TicketType.MASS_INCIDENT,
        Ticket.parent_id.is_(None),  # type: ignore[union-attr]
        Ticket.status.in_(OPEN_STATUSES),  # type: ignore[attr-defined]
    )
    return list((await session.execute(query.order_by(Ticket.id.desc()))).scalars())  # type: ignore[union-attr]


async def children(session: AsyncSession, parent: Ticket) -> list[Ticket]:
    query = select(Ticket).where(Ticket.parent_id == parent.id).order_by(Ticket.id)  # type: ignore[arg-type]
    return list((await session.execute(query)).scalars())


async def linked_count(session: AsyncSession, parent: Ticket) -> int:
    query = select(func.count()).select_from(Ticket).where(Ticket.parent_id == parent.id)
    return int((await session.execute(query)).scalar_one())


async def mark(session: AsyncSession, ticket: Ticket, agent: Agent) -> None:
    """Make a ticket a mass incident that others can be linked to (`/mass`)."""
    if ticket.parent_id is not None:
        raise MassError(f"#{ticket.number} is itself linked to a mass incident")
    if ticket.status not in OPEN_STATUSES:
        raise MassError(f"#{ticket.number} is {ticket.status}: only an open ticket can be a mass incident")
    if ticket.type != TicketType.MASS_INCIDENT:
        tickets.record(session, ticket, "type", agent.actor, comment=f"{ticket.type} -> {TicketType.MASS_INCIDENT}")
        ticket.type = TicketType.MASS_INCIDENT
    to_desk(session, ticket, "mass_marked", linked=await linked_count(session, ticket))


async def link(session: AsyncSession, parent: Ticket, child: Ticket, agent: Agent) -> None:
    """Link `child` to the mass incident `parent` (`/link N`): it gets the parent's updates from now on."""
    if not is_mass(parent) or parent.status not in OPEN_STATUSES:
        raise MassError(f"#{parent.number} is not an open mass incident; mark it with /mass first")
    if child.id == parent.id:
        raise MassError("a ticket cannot be linked to itself")
    if child.parent_id == parent.id:
        raise MassError(f"#{child.number} is already linked to #{parent.number}")
    if await linked_count(session, child):
        raise MassError(f"#{child.number} has linked tickets of its own")
    if child.status not in OPEN_STATUSES:
        raise MassError(f"#{child.number} is {child.status}; reopen it before linking")
    child.parent_id = parent.id
    await sla.stop(session, child)
    tickets.record(session, child, "linked", agent.actor, comment=f"#{parent.number}")
    tickets.notify_customer(
        session,
        child,
        service_texts("mass.linked", child.language, number=child.number, parent=parent.number, subject=parent.subject),
    )
    to_desk(session, child, "mass_linked_to", parent=parent.number)
    to_desk(session, parent, "mass_linked", child=child.number, linked=await linked_count(session, parent))


async def _record_broadcast(
    session: AsyncSession, parent: Ticket, kind: str, text: str, actor: str, rows: list[OutboxMessage], linked: int
) -> MassBroadcast:
    broadcast = MassBroadcast(ticket_id=parent.id or 0, kind=kind, text=text, actor=actor, linked=linked)
    session.add(broadcast)
    await session.flush()
    session.add_all(BroadcastRecipient(broadcast_id=broadcast.id or 0, outbox_id=row.id or 0) for row in rows)
    to_desk(
        session,
        parent,
        "mass_broadcast",
        broadcast_id=broadcast.id,
        broadcast_kind=kind,
        linked=linked,
        recipients=len(rows),
    )
    return broadcast


async def broadcast(session: AsyncSession, parent: Ticket, agent: Agent, text: str) -> MassBroadcast:
    """Send an update to every customer of the mass incident, each on their own channel (`/broadcast`)."""
    text = text.strip()
    if not text:
        raise MassError("nothing to send: write the update after /broadcast")
    if not is_mass(parent):
        raise MassError(f"#{parent.number} is not a mass incident; mark it with /mass first")
    linked = [child for child in await children(session, parent) if child.status != S.CLOSED]
    rows = []
    for ticket in [parent, *linked]:
        staff_message(session, ticket, agent.name, text)
        body = service_texts("mass.update", ticket.language, number=ticket.number, subject=parent.subject, text=text)
        rows.append(tickets.notify_customer(session, ticket, body, meta={"mass_incident": parent.number}))
    await session.flush()
    tickets.record(session, parent, "broadcast", agent.actor, comment=text)
    return await _record_broadcast(session, parent, "update", text, agent.actor, rows, len(linked))


def _follow_one(
    session: AsyncSession, child: Ticket, status: TicketStatus, comment: str | None, actor: str
) -> OutboxMessage:
    current = TicketStatus(child.status)
    event = tickets.record(session, child, "followed", actor, comment=comment, from_status=current, to_status=status)
    child.status = status
    child.closed_at = event.created_at if status is S.CLOSED else None
    ask = status is S.CLOSED and child.rating is None  # no query per child: there may be thousands
    text = tickets.customer_status_text(child, status, comment, ask_rating=ask)
    meta = {"ticket_status": status.value, "ticket_number": child.number, "mass_incident": True}
    return tickets.notify_customer(session, child, text, status_choices(child, status, ask_rating=ask), meta=meta)


async def follow(
    session: AsyncSession, parent: Ticket, status: TicketStatus, *, comment: str | None, actor: str
) -> MassBroadcast | None:
    """Move the linked tickets along with the mass incident and tell their customers.

    No desk event per linked ticket: thousands of them would flood the agents' group; the parent's
    topic gets one summary instead. A question to the parent's customer is not theirs, so it stays.
    """
    if not is_mass(parent) or status is S.WAITING_CUSTOMER:
        return None
    rows = []
    for child in await children(session, parent):
        current = TicketStatus(child.status)
        if current is status or status not in tickets.TRANSITIONS[current]:
            continue
        rows.append(_follow_one(session, child, status, comment, actor))
    if not rows:
        return None
    await session.flush()
    linked = await linked_count(session, parent)
    return await _record_broadcast(session, parent, status.value, comment or "", actor, rows, linked)


async def reach(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """How many of a broadcast's messages are sent, failed, and still pending."""
    query = (
        select(OutboxMessage.status, func.count())
        .join(BroadcastRecipient, BroadcastRecipient.outbox_id == OutboxMessage.id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id, OutboxMessage.channel != AGENT_DESK)
        .group_by(OutboxMessage.status)
    )
    counts = {OutboxStatus(status).value: int(n) for status, n in (await session.execute(query)).all()}
    return {name.value: counts.get(name.value, 0) for name in OutboxStatus}
