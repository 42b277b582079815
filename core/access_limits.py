"""How often an access code may be guessed: per contact, and per network address for web-chat visitors.

Failures are rows (`access_failure`), so the limit holds across restarts and instances. A key is
locked once it has `limit` failures within the window, until the oldest of them leaves the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.customer_models import AccessFailure

WINDOW = timedelta(minutes=15)
PER_CONTACT = 5
# Several honest visitors may share one address (an office behind NAT): a looser limit.
PER_ADDRESS = 20


@dataclass(frozen=True)
class Key:
    name: str
    limit: int


def keys_for(contact_id: int, client_address: str | None) -> list[Key]:
    keys = [Key(f"contact:{contact_id}", PER_CONTACT)]
    if client_address:
        keys.append(Key(f"address:{client_address[:140]}", PER_ADDRESS))
    return keys


async def failures(session: AsyncSession, key: str, now: datetime) -> list[datetime]:
    query = (
        select(AccessFailure.failed_at)
        .where(col(AccessFailure.key) == key, col(AccessFailure.failed_at) > now - WINDOW)
        .order_by(col(AccessFailure.failed_at))
    )
    return list((await session.execute(query)).scalars())


async def locked_until(session: AsyncSession, keys: list[Key], now: datetime) -> datetime | None:
    """When the last of the locked keys opens again; None if none is locked."""
    until: datetime | None = None
    for key in keys:
        recent = await failures(session, key.name, now)
        if len(recent) >= key.limit:
            opens = recent[len(recent) - key.limit] + WINDOW
            until = max(until, opens) if until else opens
    return until


async def fail(session: AsyncSession, keys: list[Key], now: datetime) -> list[Key]:
    """Count a wrong code against every key; the keys this failure has just locked."""
    session.add_all(AccessFailure(key=key.name, failed_at=now) for key in keys)
    await session.flush()
    just_locked = []
    for key in keys:
        count = await session.execute(
            select(func.count()).where(col(AccessFailure.key) == key.name, col(AccessFailure.failed_at) > now - WINDOW)
        )
        if count.scalar_one() == key.limit:
            just_locked.append(key)
    # Old failures count for nothing any more; dropping them here keeps the table small.
    await session.execute(delete(AccessFailure).where(col(AccessFailure.failed_at) <= now - WINDOW))
    return just_locked


async def forget(session: AsyncSession, keys: list[Key]) -> None:
    """The right code was given: earlier mistakes of this contact no longer count."""
    contact_keys = [key.name for key in keys if key.name.startswith("contact:")]
    await session.execute(delete(AccessFailure).where(col(AccessFailure.key).in_(contact_keys)))
