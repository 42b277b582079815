"""When the customer may expect the first response: "by Tuesday 11:00 (UTC+3)", in their language."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.calendars import Hours
from core.i18n import Catalog
from core.models import SlaClock, Ticket
from core.sla import FIRST_RESPONSE, hours_of

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    # Genitive: "до 11:00 вторника".
    "ru": ("понедельника", "вторника", "среды", "четверга", "пятницы", "субботы", "воскресенья"),
}
SHORT_DAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "ru": ("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
}
texts = Catalog(
    {
        "en": {
            "today": "by {time} today",
            "tomorrow": "by {time} tomorrow",
            "weekday": "by {weekday} {time}",
            "date": "by {date} {time}",
            "first_response": "Support will answer {when}.",
            "out_of_hours": "It is outside working hours now ({hours}); support will answer {when}.",
            "page": "First response expected {when}",
            "always": "around the clock",
        },
        "ru": {
            "today": "до {time} сегодня",
            "tomorrow": "до {time} завтра",
            "weekday": "до {time} {weekday}",
            "date": "до {time} {date}",
            "first_response": "Поддержка ответит {when}.",
            "out_of_hours": "Сейчас нерабочее время ({hours}); поддержка ответит {when}.",
            "page": "Первый ответ ожидается {when}",
            "always": "круглосуточно",
        },
    }
)


def utc_offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def when(hours: Hours, due: datetime, now: datetime, language: str) -> str:
    """ "by Tuesday 11:00 (UTC+3)" in the calendar's time zone, relative to `now`."""
    lang = language if language in WEEKDAYS else "en"
    local, today = due.astimezone(hours.zone), now.astimezone(hours.zone).date()
    time, days = f"{local:%H:%M}", (local.date() - today).days
    if days <= 0:
        text = texts("today", lang, time=time)
    elif days == 1:
        text = texts("tomorrow", lang, time=time)
    elif days < 7:
        text = texts("weekday", lang, time=time, weekday=WEEKDAYS[lang][local.weekday()])
    else:
        text = texts("date", lang, time=time, date=f"{local:%d.%m.%Y}" if lang == "ru" else f"{local:%Y-%m-%d}")
    return f"{text} ({utc_offset(local)})"


def describe_hours(hours: Hours, now: datetime, language: str) -> str:
    """ "Mon–Fri 09:00–18:00 UTC+3" (the days as a range when they are consecutive)."""
    lang = language if language in SHORT_DAYS else "en"
    if hours.always:
        return texts("always", lang)
    days = sorted(hours.days)
    names = SHORT_DAYS[lang]
    consecutive = days == list(range(days[0], days[-1] + 1))
    day_text = (
        f"{names[days[0]]}–{names[days[-1]]}" if consecutive and len(days) > 2 else ", ".join(names[d] for d in days)
    )
    closes = f"{hours.closes:%H:%M}" if hours.closes else "24:00"
    return f"{day_text} {hours.opens:%H:%M}–{closes} {utc_offset(now.astimezone(hours.zone))}"


def is_open(hours: Hours, now: datetime) -> bool:
    for opens, closes in hours.windows(now):
        if opens > now:
            return False
        if now < closes:
            return True
    return False


async def first_response_clock(session: AsyncSession, ticket: Ticket) -> SlaClock | None:
    query = select(SlaClock).where(col(SlaClock.ticket_id) == ticket.id, col(SlaClock.target) == FIRST_RESPONSE)
    return (await session.execute(query)).scalar_one_or_none()


async def creation_line(session: AsyncSession, ticket: Ticket, now: datetime) -> str:
    """The paragraph for the creation reply; empty when no level (no first-response target) applies."""
    clock = await first_response_clock(session, ticket)
    if clock is None or clock.due_at is None:
        return ""
    hours = await hours_of(session, clock.calendar_id)
    due = when(hours, clock.due_at, now, ticket.language)
    if is_open(hours, now):
        return "\n\n" + texts("first_response", ticket.language, when=due)
    return "\n\n" + texts("out_of_hours", ticket.language, hours=describe_hours(hours, now, ticket.language), when=due)


async def page_line(session: AsyncSession, ticket: Ticket, now: datetime) -> str:
    """For the status page: while the first response is still owed; else empty."""
    clock = await first_response_clock(session, ticket)
    if clock is None or clock.due_at is None or clock.met_at is not None or clock.paused_at is not None:
        return ""
    hours = await hours_of(session, clock.calendar_id)
    return texts("page", ticket.language, when=when(hours, clock.due_at, now, ticket.language))
