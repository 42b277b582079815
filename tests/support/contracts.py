"""Calendars, levels and organizations for tests of contracts and SLA."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import update
from sqlmodel import col

from core import contracts
from core.db import transaction
from core.models import SlaClock
from core.services import Services
from core.settings import Settings
from core.timeutil import utcnow

T = TypeVar("T")


async def office_levels(services: Services, *, default: str | None = "standard") -> None:
    """A Moscow office calendar (Mon-Fri 09-18) with "standard", and a 24/7 "premium"."""
    async with transaction(services.sessions) as session:
        await contracts.save_calendar(session, "office", timezone="Europe/Moscow", days="mon-fri", hours="09:00-18:00")
        await contracts.save_calendar(session, "always", timezone="UTC", days="24/7", hours="00:00-24:00")
        await contracts.save_level(
            session,
            "standard",
            calendar="office",
            targets={
                "incident": {"first_response": "2h", "resolution": "16h"},
                "*": {"first_response": "8h", "resolution": "5d"},
            },
            default=default == "standard",
        )
        await contracts.save_level(
            session,
            "premium",
            calendar="always",
            targets={
                "incident": {"first_response": "30m", "resolution": "4h"},
                "*": {"first_response": "1h", "resolution": "1d"},
            },
            default=default == "premium",
        )


async def organization(
    services: Services, name: str, *, code: str, level: str = "premium", ends_in_days: int | None = 365
) -> None:
    today = date.today()
    async with transaction(services.sessions) as session:
        await contracts.save_organization(session, name, access_code=code)
        ends = today + timedelta(days=ends_in_days) if ends_in_days is not None else None
        await contracts.save_contract(session, name, level=level, starts_on=today - timedelta(days=400), ends_on=ends)


async def off_loop(work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` on an event loop of its own in a thread.

    For a second engine on the SQLite file of an app served in this process: the SQLite driver
    waits for the write lock inline, which on the app's loop would stall the app holding the lock.
    """
    return await asyncio.to_thread(asyncio.run, work())  # type: ignore[arg-type]


async def premium_by_default(settings: Settings) -> None:
    """`office_levels` with "premium" the default, written to the database of an app served in this process."""

    async def work() -> None:
        services = Services.build(settings)
        try:
            await office_levels(services, default="premium")
        finally:
            await services.engine.dispose()

    await off_loop(work)


async def clocks_due_now(settings: Settings, target: str) -> None:
    """Every SLA clock of `target` falls due a second ago: moved in the database rather than waited for."""

    async def work() -> None:
        services = Services.build(settings)
        try:
            async with services.sessions() as session, session.begin():
                due = utcnow() - timedelta(seconds=1)
                await session.execute(update(SlaClock).where(col(SlaClock.target) == target).values(due_at=due))
        finally:
            await services.engine.dispose()

    await off_loop(work)
