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
from functools import lru_cache, partial
from typing import Any, Protocol, cast

from sqlalchemy import Integer, bindparam, func, literal, null, union_all, update
from sqlalchemy import cast as sql_cast
from sqlalchemy import select as select_columns  # sqlmodel's select types at most 4 columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import mass
from core.db import at_commit, session_dialect
from core.desk_models import LookalikeGroup
from core.lookalike_text import GROUP_SAMPLE, Group, Report, Thresholds, place, stems
from core.messages import AGENT_DESK, OutboundMessage
from core.models import Ticket, TicketType
from core.outbox import enqueue
from core.staff import Agent
from core.tickets import TicketError
from core.timeutil import UTCDateTime, utcnow

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


async def on_created(session: AsyncSession, ticket: Ticket, limits: Thresholds | None) -> None:
    """Place a ticket being created among recent look-alike reports. Call it before the ticket is
    inserted: a report that joins a suggestion is inserted with it.

    The reads and the choice are made here, without a lock. What every report of one outage waits
    for, the suggestion's row, is taken as the transaction's last step (`core.db.at_commit`): locked,
    its count read and its message queued, then the commit, so reports wait for each other through
    three statements, not through the rest of their transactions. A choice that step finds stale
    (the suggestion was accepted meanwhile), and forming a new suggestion, are done again from fresh
    reads, one transaction at a time.

    What is read does not grow with a suggestion's size nor with the table: in a mass outage nearly
    every report of the window is in one suggestion, and a newcomer is compared with its latest
    GROUP_SAMPLE reports only, read (with its first SHOWN) as walks of ix_ticket_lookalike that stop
    at their limits; a suggestion the customer is in already is not read at all.
    """
    if limits is None or not is_report(ticket):
        return
    placed = await _place(session, ticket, limits)
    if placed is None:
        return
    if isinstance(placed, _Join):
        ticket.lookalike_group_id = placed.group_id
    at_commit(session, partial(_settle, ticket=ticket, limits=limits, placed=placed))


@dataclass
class _Join:
    """Join a suggestion: its id and its first SHOWN open reports, as read."""

    group_id: int
    head: list[Member]


@dataclass
class _Form:
    """Form a suggestion of these reports, in the order they came (the newcomer among them)."""

    members: list[Member]


async def _place(session: AsyncSession, ticket: Ticket, limits: Thresholds) -> _Join | _Form | None:
    recent, groups, heads = await _read(session, ticket, ticket.created_at - limits.window)
    placed = place(report_of(ticket), [report_of(m) for m in recent.values()], groups, limits)
    if placed is None:
        return None
    if isinstance(placed, Group):
        return _Join(placed.key, heads[placed.key])
    return _Form([recent.get(report.key) or ticket for report in sorted(placed, key=lambda r: r.at)])


def _recent() -> Any:
    """The first query of `_read`, built once (`since`, `me` and `customer` bound per call): the recent
    reports in no suggestion, the open suggestions, and the suggestions the customer is in. Each part
    is an index range (ix_ticket_lookalike, ix_ticket_contact_id, ix_lookalikegroup_updated_at): a
    suggestion's size and the table's do not change what is read."""
    since = bindparam("since", type_=UTCDateTime)
    no_report = [sql_cast(null(), c.type).label(c.key) for c in select_columns(*_MEMBER_COLUMNS).selected_columns]
    alone = select_columns(*_MEMBER_COLUMNS, col(Ticket.lookalike_group_id), literal(_ALONE).label("part")).where(
        *_REPORTS,
        col(Ticket.lookalike_group_id).is_(None),
        col(Ticket.created_at) >= since,
        col(Ticket.id) != bindparam("me"),
    )
    open_groups = select_columns(*no_report, col(LookalikeGroup.id), literal(_OPEN)).where(
        col(LookalikeGroup.accepted_at).is_(None), col(LookalikeGroup.updated_at) >= since
    )
    theirs = select_columns(*no_report, col(Ticket.lookalike_group_id), literal(_THEIRS)).where(
        *_REPORTS, col(Ticket.contact_id) == bindparam("customer"), col(Ticket.lookalike_group_id).is_not(None)
    )
    return union_all(alone, open_groups, theirs)


def _walk(group: Any, limit: int, *, latest: bool, part: str | None = None) -> Any:
    """A suggestion's first (or latest) `limit` open reports: an ordered walk of ix_ticket_lookalike
    that stops at its limit (`part`: a label given to its rows, when it is one part of a union)."""
    order = (col(Ticket.created_at), col(Ticket.id))
    labels = [literal(part).label("part")] if part else []
    return (
        select_columns(*_MEMBER_COLUMNS, *labels)
        .where(*_REPORTS, col(Ticket.lookalike_group_id) == group)
        .order_by(*(c.desc() for c in order) if latest else order)
        .limit(limit)
    )


def _sample() -> Any:
    """The second query of `_read`, per open suggestion (`group` bound): its latest GROUP_SAMPLE and
    first SHOWN open reports."""
    group = bindparam("group", type_=Integer)
    latest = _walk(group, GROUP_SAMPLE, latest=True, part=_LATEST)
    first = _walk(group, SHOWN, latest=False, part=_FIRST)
    return union_all(select_columns(latest.subquery()), select_columns(first.subquery()))


_ALONE, _OPEN, _THEIRS, _LATEST, _FIRST = "alone", "open", "theirs", "latest", "first"
_RECENT, _SAMPLE = _recent(), _sample()


def _order(member: Member) -> tuple[datetime, int]:
    return member.created_at, member.id or 0


async def _read(
    session: AsyncSession, ticket: Ticket, since: datetime
) -> tuple[dict[int, Member], list[Group], dict[int, list[Member]]]:
    """The recent reports in no suggestion, and of each open suggestion the customer is not in its
    first SHOWN and latest GROUP_SAMPLE open reports: one query, and one more for each such
    suggestion (in a mass outage, one)."""
    alone: list[Member] = []
    open_groups: list[int] = []
    customer_in: set[int] = set()
    # Statements built once, their parameters given per call: a statement built (or .params()'d) per
    # call makes SQLAlchemy generate its cache key again each time (~60 us).
    parameters = {"since": since, "me": ticket.id or 0, "customer": ticket.contact_id}
    for row in await session.execute(_RECENT, parameters):
        if row.part == _ALONE:
            alone.append(cast(Member, row))
        elif row.part == _OPEN:
            open_groups.append(row.lookalike_group_id)
        else:
            customer_in.add(row.lookalike_group_id)
    recent = {m.id or 0: m for m in sorted(alone, key=_order)}
    groups: list[Group] = []
    heads: dict[int, list[Member]] = {}
    # A suggestion the customer is in already is not theirs to join (`place`): its reports are not read.
    for key in (key for key in open_groups if key not in customer_in):
        latest: list[Member] = []
        head = heads[key] = []
        for row in await session.execute(_SAMPLE, {"group": key}):
            (latest if row.part == _LATEST else head).append(cast(Member, row))
        if latest:  # else every report of it was closed or linked since
            latest.sort(key=_order)
            head.sort(key=_order)
            groups.append(Group(key, [report_of(m) for m in latest], last_at=latest[-1].created_at))
    return recent, groups, heads


async def _settle(session: AsyncSession, *, ticket: Ticket, limits: Thresholds, placed: _Join | _Form) -> None:
    """The last step of the ticket's transaction: join the suggestion chosen, or form one."""
    if isinstance(placed, _Join) and await _join(session, ticket, placed):
        return
    # Forming a suggestion, or the one chosen was accepted since it was read: choose again from
    # fresh reads, one transaction at a time, so that two never form a suggestion of the same reports.
    await _one_at_a_time(session)
    ticket.lookalike_group_id = None
    again = await _place(session, ticket, limits)
    if isinstance(again, _Join):
        ticket.lookalike_group_id = again.group_id
        if not await _join(session, ticket, again):
            ticket.lookalike_group_id = None
    elif isinstance(again, _Form):
        row = LookalikeGroup()
        session.add(row)
        await session.flush()
        assert row.id is not None
        ticket.lookalike_group_id = row.id
        others = [member.id for member in again.members if member.id != ticket.id]
        await session.execute(
            update(Ticket).where(col(Ticket.id).in_(others)).values(lookalike_group_id=row.id),
            execution_options={"synchronize_session": False},
        )
        await _announce(session, row.id, _Summary.of(again.members))


_GROUPS = LookalikeGroup.__table__  # type: ignore[attr-defined]


_CLAIM = (
    update(_GROUPS)
    .where(_GROUPS.c.id == bindparam("group"), _GROUPS.c.accepted_at.is_(None))
    .values(updated_at=bindparam("now", type_=UTCDateTime))
    .returning(_GROUPS.c.id)
)
_COUNT = select_columns(func.count(), func.min(col(Ticket.created_at)), func.max(col(Ticket.created_at))).where(
    *_REPORTS, col(Ticket.lookalike_group_id) == bindparam("group")
)


async def _join(session: AsyncSession, ticket: Ticket, placed: _Join) -> bool:
    """Lock the suggestion until the commit, tell its new count; False when it was accepted meanwhile."""
    if (await session.execute(_CLAIM, {"group": placed.group_id, "now": utcnow()})).first() is None:
        return False
    # Read after the lock: the reports that joined while this one waited for it are counted.
    count, first_at, last_at = (await session.execute(_COUNT, {"group": placed.group_id})).one()
    head = placed.head if len(placed.head) >= SHOWN else [*placed.head, ticket]
    await _announce(session, placed.group_id, _Summary(count, first_at, last_at, head))
    return True


# Any number: the PostgreSQL advisory lock that lets one transaction at a time form a suggestion.
_FORMING = 0x4C4F4F4B


async def _one_at_a_time(session: AsyncSession) -> None:
    if session_dialect(session) == "postgresql":  # SQLite: a writer is alone anyway
        await session.execute(select_columns(func.pg_advisory_xact_lock(_FORMING)))


async def _announce(session: AsyncSession, group_id: int, summary: _Summary, **extra: object) -> None:
    first = summary.head[0]
    enqueue(
        session,
        OutboundMessage(
            channel=AGENT_DESK,
            address=address(group_id),
            kind=EVENT,
            ticket_id=first.id,
            language=first.language,
            meta={
                "group": group_id,
                "count": summary.count,
                "numbers": [m.number for m in summary.head],
                "minutes": max(1, round((summary.last_at - summary.first_at).total_seconds() / 60)),
                **extra,
            },
        ),
    )


async def first_number(session: AsyncSession, group_id: int) -> int:
    """The ticket a suggestion would make the mass incident: its first report still open."""
    first = (await session.execute(_walk(group_id, 1, latest=False))).first()
    if first is None:
        raise SuggestionGone(f"no open report in suggestion {group_id}")
    return int(first.number)


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
    await _announce(session, group_id, _Summary.of([parent, *linked]), accepted=agent.name, linked=numbers)
    return numbers
