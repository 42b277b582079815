"""Mass-incident detection: incident reports from different customers that look alike within a window.

A new report either joins a suggestion it resembles (the suggestion is edited, not repeated) or
forms one with recent ungrouped reports (`core.lookalike_text.place`). The suggestion is a desk event
addressed per group, so its updates go out in order and the renderer edits the message it sent.
An agent's press makes the first report the mass incident and links the others (`core.mass`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Protocol, cast

from sqlalchemy import select as select_columns  # sqlmodel's select types at most 4 columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import mass
from core.desk_models import LookalikeGroup
from core.lookalike_text import Group, Report, Thresholds, place, stems
from core.messages import AGENT_DESK, OutboundMessage
from core.models import Ticket, TicketStatus, TicketType
from core.outbox import enqueue
from core.staff import Agent
from core.tickets import TicketError
from core.timeutil import utcnow

EVENT = "lookalike"


class SuggestionGone(TicketError):
    pass


def address(group_id: int) -> str:
    return f"{EVENT}:{group_id}"


class Member(Protocol):
    """What placing and announcing read of a report: a Ticket, or a row of just these columns."""

    id: int | None
    number: int
    contact_id: int
    created_at: datetime
    subject: str
    description: str
    language: str
    type: TicketType
    parent_id: int | None
    status: TicketStatus


_MEMBER_COLUMNS = (
    col(Ticket.id),
    col(Ticket.number),
    col(Ticket.contact_id),
    col(Ticket.created_at),
    col(Ticket.subject),
    col(Ticket.description),
    col(Ticket.language),
    col(Ticket.type),
    col(Ticket.parent_id),
    col(Ticket.status),
)


def report_of(ticket: Member) -> Report:
    text = f"{ticket.subject}\n{ticket.description}"
    return Report(ticket.id or 0, ticket.contact_id, ticket.created_at, list(_stems(text)))


@lru_cache(maxsize=8192)
def _stems(text: str) -> tuple[str, ...]:
    # Every new report is compared with each recent one: in a burst of 1,000 reports stemming the
    # recent ones anew for each newcomer was half the time of taking a mail in (bench.email_inbound).
    return tuple(stems(text))


def is_report(ticket: Member) -> bool:
    return ticket.type == TicketType.INCIDENT and ticket.parent_id is None and ticket.status in mass.OPEN_STATUSES


async def on_created(session: AsyncSession, ticket: Ticket, limits: Thresholds | None) -> LookalikeGroup | None:
    """Place a just-created ticket among recent look-alike reports; the suggestion it joined or formed."""
    if limits is None or not is_report(ticket):
        return None
    since = ticket.created_at - limits.window
    # The recent reports as plain rows (what the comparison reads), not as entities: in a burst
    # there are hundreds of them for every newcomer.
    query = select_columns(*_MEMBER_COLUMNS).where(
        col(Ticket.type) == TicketType.INCIDENT,
        col(Ticket.parent_id).is_(None),
        col(Ticket.status).in_(mass.OPEN_STATUSES),
        col(Ticket.created_at) >= since,
        col(Ticket.id) != ticket.id,
    )
    recent = [report_of(cast(Member, row)) for row in await session.execute(query)]
    open_groups = select(LookalikeGroup).where(
        col(LookalikeGroup.accepted_at).is_(None),
        col(LookalikeGroup.updated_at) >= since,
    )
    rows = list((await session.execute(open_groups.with_for_update())).scalars())
    members = await _members(session, [i for row in rows for i in row.ticket_ids])
    groups = [
        Group(row.id or 0, [report_of(members[i]) for i in row.ticket_ids if i in members and is_report(members[i])])
        for row in rows
    ]
    placed = place(report_of(ticket), recent, [g for g in groups if g.members], limits)
    if placed is None:
        return None
    if isinstance(placed, Group):
        row = next(r for r in rows if r.id == placed.key)
        row.ticket_ids = [*row.ticket_ids, ticket.id or 0]
        row.updated_at = utcnow()
    else:
        new = [report.key for report in placed if report.key not in members and report.key != ticket.id]
        members.update(await _members(session, new))
        row = LookalikeGroup(ticket_ids=[report.key for report in sorted(placed, key=lambda r: r.at)])
        session.add(row)
        await session.flush()
    members[ticket.id] = ticket
    await _announce(session, row, [members[i] for i in row.ticket_ids if i in members])
    return row


async def _tickets(session: AsyncSession, ids: Sequence[int]) -> dict[int | None, Ticket]:
    if not ids:
        return {}
    query = select(Ticket).where(col(Ticket.id).in_(ids))
    return {t.id: t for t in (await session.execute(query)).scalars()}


async def _members(session: AsyncSession, ids: Sequence[int]) -> dict[int | None, Member]:
    # Plain rows: a mass outage's suggestion has hundreds of members, read for every newcomer.
    if not ids:
        return {}
    query = select_columns(*_MEMBER_COLUMNS).where(col(Ticket.id).in_(ids))
    return {row.id: cast(Member, row) for row in await session.execute(query)}


async def _announce(session: AsyncSession, row: LookalikeGroup, tickets: Sequence[Member], **extra: object) -> None:
    first, last = min(t.created_at for t in tickets), max(t.created_at for t in tickets)
    enqueue(
        session,
        OutboundMessage(
            channel=AGENT_DESK,
            address=address(row.id or 0),
            kind=EVENT,
            ticket_id=tickets[0].id,
            language=tickets[0].language,
            meta={
                "group": row.id,
                "numbers": [t.number for t in tickets],
                "minutes": max(1, round((last - first).total_seconds() / 60)),
                **extra,
            },
        ),
    )


async def first_number(session: AsyncSession, group_id: int) -> int:
    """The ticket a suggestion would make the mass incident."""
    row = await session.get(LookalikeGroup, group_id)
    if row is None or not row.ticket_ids:
        raise SuggestionGone(f"no suggestion {group_id}")
    tickets = await _tickets(session, row.ticket_ids[:1])
    return tickets[row.ticket_ids[0]].number


async def accept(session: AsyncSession, group_id: int, parent: Ticket, agent: Agent) -> list[int]:
    """Make `parent` (the group's first report) the mass incident and link the rest; the numbers linked.

    A report that cannot be linked any more (closed, already linked elsewhere) is left as it is.
    """
    query = select(LookalikeGroup).where(col(LookalikeGroup.id) == group_id).with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None or row.accepted_at is not None:
        raise SuggestionGone(f"the suggestion was already acted on by {row.accepted_by}" if row else "no suggestion")
    await mass.mark(session, parent, agent)
    others = await _tickets(session, [i for i in row.ticket_ids if i != parent.id])
    linked = []
    for ticket_id in row.ticket_ids:
        child = others.get(ticket_id)
        if child is None:
            continue
        try:
            await mass.link(session, parent, child, agent)
        except mass.MassError:
            continue
        linked.append(child.number)
    row.accepted_at, row.accepted_by = utcnow(), agent.name
    await _announce(
        session, row, [parent, *(others[i] for i in row.ticket_ids if i in others)], accepted=agent.name, linked=linked
    )
    return linked
