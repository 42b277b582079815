"""Mass-incident detection: incident reports from different customers that look alike within a window.

A new report either joins a suggestion it resembles (the suggestion is edited, not repeated) or
forms one with recent ungrouped reports (`core.lookalike_text.place`). The suggestion is a desk event
addressed per group, so its updates go out in order and the renderer edits the message it sent.
An agent's press makes the first report the mass incident and links the others (`core.mass`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol, cast

from sqlalchemy import case, func, update
from sqlalchemy import select as select_columns  # sqlmodel's select types at most 4 columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import mass
from core.desk_models import LookalikeGroup
from core.lookalike_text import GROUP_SAMPLE, Group, Report, Thresholds, place, stems
from core.messages import AGENT_DESK, OutboundMessage
from core.models import Ticket, TicketType
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


_MEMBER_COLUMNS = (
    col(Ticket.id),
    col(Ticket.number),
    col(Ticket.contact_id),
    col(Ticket.created_at),
    col(Ticket.subject),
    col(Ticket.description),
    col(Ticket.language),
)
_REPORTS = (
    col(Ticket.type) == TicketType.INCIDENT,
    col(Ticket.parent_id).is_(None),
    col(Ticket.status).in_(mass.OPEN_STATUSES),
)
# How many of a suggestion's report numbers its message lists (a mass outage has hundreds).
SHOWN = 10


def report_of(ticket: Member) -> Report:
    text = f"{ticket.subject}\n{ticket.description}"
    return Report(ticket.id or 0, ticket.contact_id, ticket.created_at, list(_stems(text)))


@lru_cache(maxsize=8192)
def _stems(text: str) -> tuple[str, ...]:
    # A newcomer is compared with a group's latest reports: the same texts are stemmed for each.
    return tuple(stems(text))


def is_report(ticket: Ticket) -> bool:
    return ticket.type == TicketType.INCIDENT and ticket.parent_id is None and ticket.status in mass.OPEN_STATUSES


@dataclass
class _Summary:
    """What a suggestion's message tells: how many reports over what time, and the first of them."""

    count: int
    first_at: datetime
    last_at: datetime
    head: list[Member]  # the first SHOWN reports; the first of all would become the mass incident

    @classmethod
    def of(cls, members: Sequence[Member]) -> _Summary:
        times = [m.created_at for m in members]
        return cls(len(members), min(times), max(times), list(members[:SHOWN]))

    def joined(self, member: Member) -> _Summary:
        head = self.head if len(self.head) >= SHOWN else [*self.head, member]
        at = member.created_at
        return _Summary(self.count + 1, min(self.first_at, at), max(self.last_at, at), head)


async def on_created(session: AsyncSession, ticket: Ticket, limits: Thresholds | None) -> LookalikeGroup | None:
    """Place a just-created ticket among recent look-alike reports; the suggestion it joined or formed.

    What is read does not grow with a suggestion's size: in a mass outage nearly every report of
    the window is in one suggestion, and a newcomer is compared with its latest GROUP_SAMPLE
    reports only; its count, times and whether this customer is in it are asked of the database.
    """
    if limits is None or not is_report(ticket):
        return None
    since = ticket.created_at - limits.window
    open_groups = select(LookalikeGroup).where(
        col(LookalikeGroup.accepted_at).is_(None),
        col(LookalikeGroup.updated_at) >= since,
    )
    rows = {row.id: row for row in (await session.execute(open_groups.with_for_update())).scalars()}
    ungrouped = select_columns(*_MEMBER_COLUMNS).where(
        *_REPORTS,
        col(Ticket.created_at) >= since,
        col(Ticket.id) != ticket.id,
        col(Ticket.lookalike_group_id).is_(None),
    )
    recent = {row.id: cast(Member, row) for row in await session.execute(ungrouped)}
    groups, summaries = await _groups(session, list(rows), ticket.contact_id)
    placed = place(report_of(ticket), [report_of(m) for m in recent.values()], groups, limits)
    if placed is None:
        return None
    if isinstance(placed, Group):
        row = rows[placed.key]
        row.updated_at = utcnow()
        summary = summaries[placed.key].joined(ticket)
        others = []
    else:
        members = [recent.get(report.key) or ticket for report in sorted(placed, key=lambda r: r.at)]
        row = LookalikeGroup()
        session.add(row)
        await session.flush()
        summary = _Summary.of(members)
        others = [member.id for member in members if member.id != ticket.id]
    ticket.lookalike_group_id = row.id
    if others:
        await session.execute(
            update(Ticket).where(col(Ticket.id).in_(others)).values(lookalike_group_id=row.id),
            execution_options={"synchronize_session": False},
        )
    await _announce(session, row, summary)
    return row


async def _groups(
    session: AsyncSession, ids: list[int | None], customer: int
) -> tuple[list[Group], dict[int, _Summary]]:
    """The open suggestions' reports as placing and announcing read them (those with any left open)."""
    if not ids:
        return [], {}
    in_group = col(Ticket.lookalike_group_id)
    facts = (
        select_columns(
            in_group,
            func.count(),
            func.min(col(Ticket.created_at)),
            func.max(col(Ticket.created_at)),
            func.count(case((col(Ticket.contact_id) == customer, 1))),
        )
        .where(*_REPORTS, in_group.in_(ids))
        .group_by(in_group)
    )
    groups, summaries = [], {}
    for found, count, first_at, last_at, theirs in await session.execute(facts):
        group_id = int(found or 0)  # the query's IN excludes NULL
        latest = await _members(session, group_id, GROUP_SAMPLE, latest=True)
        # A small suggestion's latest reports are all of them: its first ones are among them.
        head = latest[:SHOWN] if count <= GROUP_SAMPLE else await _members(session, group_id, SHOWN, latest=False)
        reports = [report_of(m) for m in latest]
        groups.append(Group(group_id, reports, customers={customer} if theirs else set(), last_at=last_at))
        summaries[group_id] = _Summary(count, first_at, last_at, head)
    return groups, summaries


async def _members(session: AsyncSession, group_id: int, limit: int, *, latest: bool) -> list[Member]:
    """A suggestion's first (or latest) `limit` reports still open, in the order they came."""
    order = [col(Ticket.created_at), col(Ticket.id)]
    query = (
        select_columns(*_MEMBER_COLUMNS)
        .where(*_REPORTS, col(Ticket.lookalike_group_id) == group_id)
        .order_by(*(c.desc() for c in order) if latest else order)
        .limit(limit)
    )
    rows = [cast(Member, row) for row in await session.execute(query)]
    return rows[::-1] if latest else rows


async def _announce(session: AsyncSession, row: LookalikeGroup, summary: _Summary, **extra: object) -> None:
    first = summary.head[0]
    enqueue(
        session,
        OutboundMessage(
            channel=AGENT_DESK,
            address=address(row.id or 0),
            kind=EVENT,
            ticket_id=first.id,
            language=first.language,
            meta={
                "group": row.id,
                "count": summary.count,
                "numbers": [m.number for m in summary.head],
                "minutes": max(1, round((summary.last_at - summary.first_at).total_seconds() / 60)),
                **extra,
            },
        ),
    )


async def first_number(session: AsyncSession, group_id: int) -> int:
    """The ticket a suggestion would make the mass incident: its first report still open."""
    first = await _members(session, group_id, 1, latest=False)
    if not first:
        raise SuggestionGone(f"no open report in suggestion {group_id}")
    return first[0].number


async def accept(session: AsyncSession, group_id: int, parent: Ticket, agent: Agent) -> list[int]:
    """Make `parent` (the group's first report) the mass incident and link the rest; the numbers linked.

    A report that cannot be linked any more (closed, already linked elsewhere) is left as it is.
    """
    query = select(LookalikeGroup).where(col(LookalikeGroup.id) == group_id).with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None or row.accepted_at is not None:
        raise SuggestionGone(f"the suggestion was already acted on by {row.accepted_by}" if row else "no suggestion")
    await mass.mark(session, parent, agent)
    members = (
        select(Ticket)
        .where(col(Ticket.lookalike_group_id) == group_id, col(Ticket.id) != parent.id)
        .order_by(col(Ticket.created_at), col(Ticket.id))
    )
    others = list((await session.execute(members)).scalars())
    linked: list[Ticket] = []
    for child in others:
        try:
            await mass.link(session, parent, child, agent)
        except mass.MassError:
            continue
        linked.append(child)
    row.accepted_at, row.accepted_by = utcnow(), agent.name
    numbers = [child.number for child in linked]
    await _announce(session, row, _Summary.of([parent, *linked]), accepted=agent.name, linked=numbers)
    return numbers
