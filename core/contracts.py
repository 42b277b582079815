"""Organizations, their contracts and levels, and the calendars levels count in."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.calendars import CalendarError, Hours, parse_days
from core.models import Contract, Organization, ServiceLevel, SupportCalendar
from core.timeutil import utcnow


class ContractError(ValueError):
    """A contract, level or organization that cannot be saved; the message says why."""


def today() -> date:
    return utcnow().date()


async def valid_contract(session: AsyncSession, organization_id: int, on: date | None = None) -> Contract | None:
    """The organization's contract in force on a day (the latest started, if several)."""
    on = on or today()
    query = (
        select(Contract)
        .where(
            Contract.organization_id == organization_id,
            Contract.starts_on <= on,
            or_(Contract.ends_on.is_(None), Contract.ends_on >= on),  # type: ignore[union-attr]
        )
        .order_by(Contract.starts_on.desc())  # type: ignore[attr-defined]
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def last_contract(session: AsyncSession, organization_id: int) -> Contract | None:
    query = select(Contract).where(Contract.organization_id == organization_id)
    return (await session.execute(query.order_by(Contract.ends_on.desc()).limit(1))).scalar_one_or_none()  # type: ignore[union-attr]


async def level_named(session: AsyncSession, name: str) -> ServiceLevel | None:
    return (await session.execute(select(ServiceLevel).where(ServiceLevel.name == name))).scalar_one_or_none()


# Built once (every new ticket asks): a statement built per call has its cache key generated each time.
_DEFAULT_LEVEL = select(ServiceLevel).where(ServiceLevel.is_default.is_(True)).limit(1)  # type: ignore[attr-defined]


async def level_for(session: AsyncSession, organization_id: int | None) -> ServiceLevel | None:
    """The level of the organization's current contract, else the default level (if any)."""
    contract = await valid_contract(session, organization_id) if organization_id is not None else None
    if contract is not None and (level := await level_named(session, contract.level)):
        return level
    return (await session.execute(_DEFAULT_LEVEL)).scalar_one_or_none()


# Codes are typed by people: "acme-2026", " ACME 2026 " and "ACME2026" are the same code.
_SEPARATORS = str.maketrans("", "", " \t-_–—")
# 32 symbols without the look-alikes 0/O, 1/I: 5 bits each; 12 of them are 60 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4


def normalize_code(code: str) -> str:
    """The code as compared: case-folded, without spaces and dashes."""
    return code.translate(_SEPARATORS).casefold()


async def organization_by_code(session: AsyncSession, code: str) -> Organization | None:
    """The organization whose access code this is, compared in constant time."""
    typed = normalize_code(code)
    if not typed:
        return None
    found = None
    query = select(Organization).where(Organization.access_code.is_not(None))  # type: ignore[union-attr]
    for organization in (await session.execute(query)).scalars():
        # Every code is compared, so the time taken says nothing about how close a guess was.
        if secrets.compare_digest(normalize_code(organization.access_code or "").encode(), typed.encode()):
            found = organization
    return found


def new_access_code() -> str:
    """Like "K7QM-3XHD-9TPW": no look-alike characters, 60 bits of randomness."""
    groups = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH)) for _ in range(CODE_GROUPS))
    return "-".join(groups)


async def save_calendar(
    session: AsyncSession, name: str, *, timezone: str, days: str, hours: str, holidays: list[str] | None = None
) -> SupportCalendar:
    """Create or replace a calendar; `days` like "mon-fri" or "24/7", `hours` like "09:00-18:00"."""
    opens, _, closes = hours.partition("-")
    calendar = (await session.execute(select(SupportCalendar).where(SupportCalendar.name == name))).scalar_one_or_none()
    calendar = calendar or SupportCalendar(name=name)
    calendar.timezone, calendar.opens, calendar.closes = timezone, opens.strip(), (closes or "").strip()
    calendar.holidays = [date.fromisoformat(day).isoformat() for day in holidays or []]
    try:
        calendar.days = parse_days(days)
        Hours.of(calendar)
    except (CalendarError, ValueError) as error:
        raise ContractError(f"calendar {name}: {error}") from None
    session.add(calendar)
    await session.flush()
    return calendar


def day_minutes(calendar: SupportCalendar) -> int:
    """The length of one business day of the calendar, in minutes (9 h for 09:00-18:00, 24 h for 24/7)."""
    hours = Hours.of(calendar)
    closes = hours.closes.hour * 60 + hours.closes.minute if hours.closes else 1440
    return closes - (hours.opens.hour * 60 + hours.opens.minute)


def parse_targets(targets: dict[str, Any], business_day: int = 1440) -> dict[str, dict[str, int]]:
    """{"incident": {"first_response": "1h", "resolution": "8h"}} -> business minutes.

    "30m" and "4h" are minutes and hours of business time; "2d" is two business days of the level's
    calendar (`business_day` minutes each: 2d on a 09:00-18:00 calendar is 18 business hours).
    """
    units = {"m": 1, "h": 60, "d": business_day}
    parsed: dict[str, dict[str, int]] = {}
    for ticket_type, pair in targets.items():
        parsed[ticket_type] = {}
        for name, value in pair.items():
            text = str(value).strip().lower()
            try:
                minutes = int(text[:-1]) * units[text[-1]] if text[-1:] in units else int(text)
            except ValueError:
                raise ContractError(
                    f"target {ticket_type}.{name}={value!r}: use minutes or 30m/4h/2d (d: business days)"
                ) from None
            if name not in ("first_response", "resolution") or minutes <= 0:
                raise ContractError(
                    f"target {ticket_type}.{name}={value!r} is not a positive first_response/resolution"
                )
            parsed[ticket_type][name] = minutes
    return parsed


async def save_level(
    session: AsyncSession,
    name: str,
    *,
    calendar: str,
    targets: dict[str, Any],
    warn_percent: int = 80,
    default: bool = False,
    notes: list[str] | None = None,
) -> ServiceLevel:
    """Create or replace a level; a change of an existing level's targets is added to `notes`."""
    found = (
        await session.execute(select(SupportCalendar).where(SupportCalendar.name == calendar))
    ).scalar_one_or_none()
    if found is None:
        raise ContractError(f"level {name}: no calendar named {calendar!r}")
    if not 1 <= warn_percent <= 99:
        raise ContractError(f"level {name}: the warning must come at 1-99% of the time")
    level = await level_named(session, name) or ServiceLevel(name=name, calendar_id=0)
    targets_minutes = parse_targets(targets, day_minutes(found))
    if notes is not None and level.id is not None and level.targets != targets_minutes:
        # Before "d" meant business days it meant 24 h of business time: a reload may shorten targets.
        notes.append(f"level {name}: targets change from {level.targets} to {targets_minutes} (business minutes)")
    level.calendar_id, level.targets, level.warn_percent = found.id or 0, targets_minutes, warn_percent
    if default:
        await session.execute(update(ServiceLevel).values(is_default=False))
    level.is_default = default or level.is_default
    session.add(level)
    await session.flush()
    return level


async def save_organization(session: AsyncSession, name: str, *, access_code: str | None = None) -> Organization:
    query = select(Organization).where(Organization.name == name)
    organization = (await session.execute(query)).scalar_one_or_none() or Organization(name=name)
    if access_code is not None and not normalize_code(access_code):
        raise ContractError(f"organization {name}: the access code is empty")
    other = await organization_by_code(session, access_code) if access_code is not None else None
    if other is not None and other.name != name:
        # Compared without case and dashes, two such codes would be one: the first would win silently.
        raise ContractError(f"organization {name}: the access code is the same as {other.name}'s")
    if access_code is not None or organization.access_code is None:
        organization.access_code = access_code.strip() if access_code else new_access_code()
    session.add(organization)
    await session.flush()
    return organization


async def save_contract(
    session: AsyncSession, organization: str, *, level: str, starts_on: date, ends_on: date | None
) -> Contract:
    found = (await session.execute(select(Organization).where(Organization.name == organization))).scalar_one_or_none()
    if found is None or found.id is None:
        raise ContractError(f"no organization named {organization!r}")
    if await level_named(session, level) is None:
        raise ContractError(f"no level named {level!r}")
    if ends_on is not None and ends_on < starts_on:
        raise ContractError("a contract cannot end before it starts")
    # Loading the same file twice must not double the contracts: (organization, level, start) is the key.
    query = select(Contract).where(
        Contract.organization_id == found.id, Contract.level == level, Contract.starts_on == starts_on
    )
    contract = (await session.execute(query)).scalar_one_or_none()
    contract = contract or Contract(organization_id=found.id, level=level, starts_on=starts_on)
    contract.ends_on = ends_on
    session.add(contract)
    await session.flush()
    return contract
