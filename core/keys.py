"""Per-installation random keys, made on first use and kept in the database for every instance."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.models import ServerSecret


async def installation_key(session: AsyncSession, name: str) -> bytes:
    """The key called `name`; the first caller of all instances creates it."""
    query = select(col(ServerSecret.value)).where(col(ServerSecret.name) == name)
    value = (await session.execute(query)).scalar_one_or_none()
    if value is None:
        try:
            async with session.begin_nested():
                session.add(ServerSecret(name=name, value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another instance made it a moment ago: use theirs
        value = (await session.execute(query)).scalar_one()
    return bytes.fromhex(value)
