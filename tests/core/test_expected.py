"""The customer is told when to expect the first response, in business time of their level's calendar."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from core import contracts
from core.db import transaction
from core.models import OutboxMessage, ServiceLevel, SupportCalendar
from core.services import Services
from tests.support.contracts import office_levels
from tests.support.customers import CoreCustomer

# Times in Moscow (UTC+3), where the "office" calendar works Mon-Fri 09:00-18:00.
MONDAY_10 = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
MONDAY_20 = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
FRIDAY_1930 = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)


async def last_text(services: Services, address: str) -> str:
    """The newest message queued for the customer: after the intake, the creation reply."""
    async with services.sessions() as session:
        query = select(OutboxMessage).where(col(OutboxMessage.address) == address)
        row = (await session.execute(query.order_by(OutboxMessage.id.desc()).limit(1))).scalar_one()  # type: ignore[union-attr]
    return str(row.payload["text"])


async def created_text(services: Services, at: datetime, language: str = "en") -> str:
    await office_levels(services)  # "standard" (office calendar, incidents answered within 2 h) is the default
    services.desk.clock = lambda: at
    customer = CoreCustomer(services, "ivan" if language == "ru" else "alice", language=language)
    await customer.open_ticket()
    return await last_text(services, customer.address)


async def test_in_working_hours_the_reply_says_by_when(services: Services) -> None:
    text = await created_text(services, MONDAY_10)
    assert "\n\nSupport will answer by 12:00 today (UTC+3)." in text


async def test_out_of_hours_the_reply_says_so_and_the_next_working_day(services: Services) -> None:
    text = await created_text(services, FRIDAY_1930)
    assert (
        "\n\nIt is outside working hours now (Mon–Fri 09:00–18:00 UTC+3); support will answer by Monday 11:00 (UTC+3)."
        in text
    )


async def test_russian_weekdays_and_tomorrow(services: Services) -> None:
    text = await created_text(services, FRIDAY_1930, "ru")
    assert "Сейчас нерабочее время (пн–пт 09:00–18:00 UTC+3); поддержка ответит до 11:00 понедельника (UTC+3)." in text


async def test_russian_tomorrow(services: Services) -> None:
    text = await created_text(services, MONDAY_20, "ru")
    assert "поддержка ответит до 11:00 завтра (UTC+3)." in text


async def test_without_a_level_nothing_is_promised(services: Services) -> None:
    services.desk.clock = lambda: MONDAY_10
    alice = CoreCustomer(services)
    await alice.open_ticket()
    created = await last_text(services, alice.address)
    assert "registered" in created and "answer by" not in created and "working hours" not in created


@pytest.mark.parametrize(("calendar", "minutes"), [("office", 5 * 9 * 60), ("always", 5 * 24 * 60)])
async def test_d_is_business_days_of_the_levels_calendar(services: Services, calendar: str, minutes: int) -> None:
    await office_levels(services)
    notes: list[str] = []
    async with transaction(services.sessions) as session:
        level = await contracts.save_level(
            session, "five", calendar=calendar, targets={"*": {"first_response": "1d", "resolution": "5d"}}
        )
        assert level.targets["*"] == {"first_response": minutes // 5, "resolution": minutes}
        await contracts.save_level(session, "five", calendar=calendar, targets={"*": {"resolution": "2d"}}, notes=notes)
    assert notes and notes[0].startswith("level five: targets change from")


async def test_a_calendar_day_is_its_opening_hours(services: Services) -> None:
    await office_levels(services)
    async with services.sessions() as session:
        office = (
            await session.execute(select(SupportCalendar).where(col(SupportCalendar.name) == "office"))
        ).scalar_one()
        standard = (
            await session.execute(select(ServiceLevel).where(col(ServiceLevel.name) == "standard"))
        ).scalar_one()
    assert contracts.day_minutes(office) == 540
    assert standard.targets["*"]["resolution"] == 5 * 540
