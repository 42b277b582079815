"""Business-time arithmetic: how far working hours of a calendar carry a clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.models import SupportCalendar

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar with no working day would never reach a due time; ten years is the honest "never".
HORIZON_DAYS = 3660


class CalendarError(ValueError):
    """A calendar definition that cannot be used; the message says what to fix."""


def parse_clock(value: str) -> time | None:
    """ "09:00" -> 09:00; "24:00" -> None, meaning the end of the day."""
    try:
        hours, minutes = (int(part) for part in value.strip().split(":"))
    except ValueError:
        raise CalendarError(f"time {value!r} is not HH:MM") from None
    if (hours, minutes) == (24, 0):
        return None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise CalendarError(f"time {value!r} is out of range")
    return time(hours, minutes)


def parse_days(value: str) -> list[int]:
    """ "mon-fri", "mon,wed,fri", "mon-sun" or "24/7" -> weekday numbers (Monday = 0)."""
    days: set[int] = set()
    text = value.strip().lower()
    if text == "24/7":
        return list(range(7))
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        try:
            start, end = DAY_NAMES.index(first[:3]), DAY_NAMES.index((last or first)[:3])
        except ValueError:
            raise CalendarError(f"unknown day in {value!r}; use mon..sun") from None
        days.update(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    if not days:
        raise CalendarError("a calendar needs at least one working day")
    return sorted(days)


@dataclass(frozen=True)
class Hours:
    """Working hours: the days of the week, one daily window in a time zone, and holidays."""

    zone: ZoneInfo
    days: frozenset[int]
    opens: time
    closes: time | None  # None: midnight at the end of the day
    holidays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, calendar: SupportCalendar) -> Hours:
        try:
            zone = ZoneInfo(calendar.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"unknown time zone {calendar.timezone!r}") from None
        opens, closes = parse_clock(calendar.opens), parse_clock(calendar.closes)
        if opens is None or (closes is not None and closes <= opens):
            raise CalendarError(f"opening hours {calendar.opens}-{calendar.closes} are empty")
        if not calendar.days or not set(calendar.days) <= set(range(7)):
            raise CalendarError("days must be weekday numbers 0 (Monday) to 6")
        holidays = frozenset(date.fromisoformat(day) for day in calendar.holidays)
        return cls(zone, frozenset(calendar.days), opens, closes, holidays)

    @property
    def always(self) -> bool:
        return len(self.days) == 7 and self.opens == time(0) and self.closes is None and not self.holidays

    def windows(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (UTC) from the day of `start` on, in order."""
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # a window may span midnight UTC
        for _ in range(HORIZON_DAYS):
            if day.weekday() in self.days and day not in self.holidays:
                # Built per day with the zone, so a DST change shifts the window, not the wall clock.
                opens = datetime.combine(day, self.opens, self.zone)
                closes = (
                    datetime.combine(day + timedelta(days=1), time(0), self.zone)
                    if self.closes is None
                    else datetime.combine(day, self.closes, self.zone)
                )
                yield opens.astimezone(UTC), closes.astimezone(UTC)
            day += timedelta(days=1)


def add_business(hours: Hours, start: datetime, seconds: float) -> datetime:
    """The moment `seconds` of working time after `start`."""
    if hours.always:
        return start + timedelta(seconds=seconds)
    left = timedelta(seconds=max(seconds, 0))
    for opens, closes in hours.windows(start):
        if closes <= start:
            continue
        begin = max(opens, start)
        if begin + left <= closes:
            return begin + left
        left -= closes - begin
    raise CalendarError("the calendar has no working time within ten years")


def business_seconds(hours: Hours, start: datetime, end: datetime) -> float:
    """Working time between two moments, in seconds (0 when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    if hours.always:
        return (end - start).total_seconds()
    total = 0.0
    for opens, closes in hours.windows(start):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        total += max(overlap.total_seconds(), 0.0)
    return total
