"""SLA clocks: due times from the contract level, paused while the ticket waits for the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendars import Hours, add_business, business_seconds
from core.contracts import level_for
from core.models import ServiceLevel, SlaClock, SupportCalendar, Ticket, TicketStatus
from core.timeutil import utcnow

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
TARGETS = (FIRST_RESPONSE, RESOLUTION)
S = TicketStatus


def target_minutes(level: ServiceLevel, ticket_type: str) -> dict[str, int]:
    """{"first_response": minutes, "resolution": minutes} for a type; "*" covers types not listed."""
    targets = level.targets.get(ticket_type) or level.targets.get("*") or {}
    return {name: int(targets[name]) for name in TARGETS if targets.get(name)}


async def hours_of(session: AsyncSession, calendar_id: int) -> Hours:
    calendar = await session.get(SupportCalendar, calendar_id)
    assert calendar is not None
    return Hours.of(calendar)


async def start(session: AsyncSession, ticket: Ticket, now: datetime | None = None) -> list[SlaClock]:
    """Give a new ticket its level and due times; none when no level applies."""
    assert ticket.id is not None
    level = await level_for(session, ticket.organization_id)
    if level is None:
        return []
    ticket.level = level.name
    now = now or ticket.created_at
    hours = await hours_of(session, level.calendar_id)
    clocks = []
    for target, minutes in target_minutes(level, ticket.type).items():
        budget = minutes * 60
        clocks.append(
            SlaClock(
                ticket_id=ticket.id,
                target=target,
                calendar_id=level.calendar_id,
                budget_seconds=budget,
                warn_at=add_business(hours, now, budget * level.warn_percent / 100),
                due_at=add_business(hours, now, budget),
            )
        )
    session.add_all(clocks)
    return clocks


async def clocks_of(session: AsyncSession, ticket: Ticket) -> list[SlaClock]:
    query = select(SlaClock).where(SlaClock.ticket_id == ticket.id).order_by(SlaClock.id)  # type: ignore[arg-type]
    return list((await session.execute(query)).scalars())


def _left(hours: Hours, now: datetime, moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return business_seconds(hours, now, moment) if moment > now else -business_seconds(hours, moment, now)


async def pause(session: AsyncSession, clock: SlaClock, now: datetime) -> None:
    if clock.paused_at is not None:
        return
    hours = await hours_of(session, clock.calendar_id)
    clock.paused_at = now
    clock.remaining_seconds = _left(hours, now, clock.due_at)
    clock.warn_remaining_seconds = None if clock.warned_at else _left(hours, now, clock.warn_at)


async def resume(session: AsyncSession, clock: SlaClock, now: datetime) -> None:
    if clock.paused_at is None:
        return
    hours = await hours_of(session, clock.calendar_id)
    # An overdue clock stays where it was: the breach has happened (or is about to be posted).
    if clock.remaining_seconds is not None and clock.remaining_seconds > 0:
        clock.due_at = add_business(hours, now, clock.remaining_seconds)
    if clock.warn_remaining_seconds is not None and clock.warn_remaining_seconds > 0:
        clock.warn_at = add_business(hours, now, clock.warn_remaining_seconds)
    clock.paused_at = clock.remaining_seconds = clock.warn_remaining_seconds = None


async def on_status(session: AsyncSession, ticket: Ticket, old: TicketStatus, new: TicketStatus, actor: str) -> None:
    """Stop, pause or resume the ticket's clocks as its status changes."""
    now = utcnow()
    for clock in await clocks_of(session, ticket):
        if clock.target == FIRST_RESPONSE and actor.startswith("agent:") and new in (S.WAITING_CUSTOMER, S.SOLVED):
            clock.met_at = clock.met_at or now
        if new is S.CLOSED:
            clock.met_at = clock.met_at or now
        elif new is S.SOLVED and clock.target == RESOLUTION:
            # Met, but kept resumable: "not solved" reopens the ticket and the clock goes on.
            clock.met_at = now
            await pause(session, clock, now)
        elif new is S.WAITING_CUSTOMER and clock.met_at is None:
            await pause(session, clock, now)
        elif new is S.IN_PROGRESS and old in (S.WAITING_CUSTOMER, S.SOLVED, S.CLOSED):
            if old is not S.WAITING_CUSTOMER and clock.target == RESOLUTION:
                clock.met_at = None
            await resume(session, clock, now)


async def responded(session: AsyncSession, ticket: Ticket) -> None:
    """An agent wrote to the customer: the first-response clock is met."""
    for clock in await clocks_of(session, ticket):
        if clock.target == FIRST_RESPONSE and clock.met_at is None:
            clock.met_at = utcnow()


async def stop(session: AsyncSession, ticket: Ticket) -> None:
    """Drop a ticket's clocks: a ticket linked to a mass incident follows the parent's."""
    await session.execute(delete(SlaClock).where(SlaClock.ticket_id == ticket.id))  # type: ignore[arg-type]


@dataclass(frozen=True)
class ClockView:
    target: str
    due_at: datetime | None
    left_seconds: float | None  # business seconds; negative when overdue
    paused: bool
    met: bool


async def time_left(session: AsyncSession, ticket: Ticket, now: datetime | None = None) -> list[ClockView]:
    """Each clock of a ticket with its business time left, for the ticket card."""
    now = now or utcnow()
    views = []
    for clock in await clocks_of(session, ticket):
        hours = await hours_of(session, clock.calendar_id)
        left = clock.remaining_seconds if clock.paused_at else _left(hours, now, clock.due_at)
        views.append(ClockView(clock.target, clock.due_at, left, clock.paused_at is not None, clock.met_at is not None))
    return views
