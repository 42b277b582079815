from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core import sla
from core.calendars import CalendarError, Hours, add_business, business_seconds, parse_days
from core.db import transaction
from core.desk import Agent
from core.models import SlaClock, SupportCalendar, Ticket
from core.services import Services
from tests.support.contracts import office_levels
from tests.support.customers import CoreCustomer

MSK = ZoneInfo("Europe/Moscow")
OFFICE = Hours.of(
    SupportCalendar(name="office", timezone="Europe/Moscow", days=[0, 1, 2, 3, 4], opens="09:00", closes="18:00")
)
ANNA = Agent("Anna", "7")


def msk(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, Moscow time (the 20th is a Friday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


def test_due_time_carries_over_the_night() -> None:
    # 2 working hours from Thursday 17:00: one today, one on Friday morning.
    assert add_business(OFFICE, msk(19, 17), 2 * 3600) == msk(20, 10)


def test_due_time_skips_the_weekend() -> None:
    # 16 working hours from Friday 14:00: 4 on Friday, 9 on Monday, 3 on Tuesday.
    assert add_business(OFFICE, msk(20, 14), 16 * 3600) == msk(24, 12)


def test_a_request_at_night_starts_counting_at_opening() -> None:
    assert add_business(OFFICE, msk(21, 23), 30 * 60) == msk(23, 9, 30)  # Saturday night -> Monday


def test_holidays_are_not_working_days() -> None:
    calendar = SupportCalendar(
        name="h", timezone="Europe/Moscow", days=[0, 1, 2, 3, 4], opens="09:00", closes="18:00", holidays=["2026-11-23"]
    )
    assert add_business(Hours.of(calendar), msk(20, 17), 2 * 3600) == msk(24, 10)


def test_business_seconds_is_the_inverse_of_add_business() -> None:
    start = msk(20, 16, 30)
    for hours in (0.5, 3, 9, 27, 50):
        assert business_seconds(OFFICE, start, add_business(OFFICE, start, hours * 3600)) == pytest.approx(hours * 3600)


def test_round_the_clock_calendar_counts_every_second() -> None:
    always = Hours.of(SupportCalendar(name="a", timezone="UTC", days=list(range(7)), opens="00:00", closes="24:00"))
    start = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
    assert always.always and add_business(always, start, 7200) == start + timedelta(hours=2)


def test_calendar_definitions_are_checked() -> None:
    assert parse_days("mon-fri") == [0, 1, 2, 3, 4] and parse_days("fri-mon") == [0, 4, 5, 6]
    with pytest.raises(CalendarError, match="unknown day"):
        parse_days("mon-friday,xyz")
    with pytest.raises(CalendarError, match="unknown time zone"):
        Hours.of(SupportCalendar(name="x", timezone="Mars/Olympus", days=[0]))
    with pytest.raises(CalendarError, match="empty"):
        Hours.of(SupportCalendar(name="x", timezone="UTC", days=[0], opens="18:00", closes="09:00"))


async def clocks(services: Services, ticket: Ticket) -> dict[str, SlaClock]:
    async with services.sessions() as session:
        rows = (await session.execute(select(SlaClock).where(SlaClock.ticket_id == ticket.id))).scalars()
        return {clock.target: clock for clock in rows}


async def test_a_new_ticket_gets_due_times_from_its_level_and_type(services: Services) -> None:
    await office_levels(services)
    ticket = await CoreCustomer(services).open_ticket()
    question = await CoreCustomer(services, "bob").open_ticket("How to export?", type="type:consultation")

    assert ticket.level == "standard"
    due = await clocks(services, ticket)
    assert due["first_response"].due_at == add_business(OFFICE, ticket.created_at, 2 * 3600)
    assert due["resolution"].due_at == add_business(OFFICE, ticket.created_at, 16 * 3600)
    assert due["first_response"].warn_at == add_business(OFFICE, ticket.created_at, 0.8 * 2 * 3600)
    # A consultation falls back to the level's "*" targets: 8 hours to answer.
    assert (await clocks(services, question))["first_response"].due_at == add_business(
        OFFICE, question.created_at, 8 * 3600
    )


async def test_without_any_level_tickets_have_no_clocks(services: Services) -> None:
    ticket = await CoreCustomer(services).open_ticket()
    assert ticket.level is None and await clocks(services, ticket) == {}


async def test_the_clock_pauses_while_waiting_for_the_customer(services: Services) -> None:
    await office_levels(services)
    async with transaction(services.sessions) as session:
        calendar = (await session.execute(select(SupportCalendar).where(SupportCalendar.name == "office"))).scalar_one()
        clock = SlaClock(
            ticket_id=0, target="resolution", calendar_id=calendar.id or 0, budget_seconds=0, due_at=msk(23, 12)
        )
        # Paused on Friday at 17:00: one hour of Friday and three of Monday were left...
        await sla.pause(session, clock, msk(20, 17))
        assert clock.remaining_seconds == 4 * 3600
        # ...and the customer answers on Tuesday at 10:00: the four hours count from then.
        await sla.resume(session, clock, msk(24, 10))
        assert clock.due_at == msk(24, 14) and clock.paused_at is None


async def test_asking_the_customer_pauses_and_their_answer_resumes(services: Services) -> None:
    await office_levels(services, default="premium")
    alice = CoreCustomer(services)
    ticket = await alice.open_ticket()
    before = (await clocks(services, ticket))["resolution"]

    await services.desk.ask(ticket.number, ANNA, "Which recorder model?")
    paused = await clocks(services, ticket)
    assert paused["resolution"].paused_at is not None and paused["resolution"].remaining_seconds is not None
    assert paused["first_response"].met_at is not None  # a question to the customer is a response

    await alice.say("Model R-200")
    resumed = (await clocks(services, ticket))["resolution"]
    assert resumed.paused_at is None and resumed.due_at is not None and before.due_at is not None
    assert resumed.due_at > before.due_at  # the waiting time was not counted


async def test_a_reply_meets_the_first_response_and_solving_the_resolution(services: Services) -> None:
    await office_levels(services, default="premium")
    ticket = await CoreCustomer(services).open_ticket()
    await services.desk.reply(ticket.number, ANNA, "Looking into it")
    assert (await clocks(services, ticket))["first_response"].met_at is not None
    assert (await clocks(services, ticket))["resolution"].met_at is None
    await services.desk.solve(ticket.number, ANNA, "Restarted the recorder")
    assert (await clocks(services, ticket))["resolution"].met_at is not None
    async with services.sessions() as session:
        stored = await session.get(Ticket, ticket.id)
        assert stored is not None
        views = await sla.time_left(session, stored)
    assert [(v.target, v.met) for v in views] == [("first_response", True), ("resolution", True)]
