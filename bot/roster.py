"""The agents of the group: whoever has posted there, remembered so cards and warnings can mention them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import Message, TelegramObject, User
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.desk_models import TelegramAgent
from core.db import transaction
from core.timeutil import utcnow
from platforms.telegram.context import BotContext

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


async def remember_agents(handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
    """Outer middleware: every person posting in the agents' group becomes (or stays) a known agent."""
    ctx: BotContext = data["ctx"]
    person = event.from_user if isinstance(event, Message) and event.chat.id == ctx.agent_chat_id else None
    if person is not None and not person.is_bot:
        await remember(ctx, person)
    return await handler(event, data)


async def remember(ctx: BotContext, user: User) -> None:
    seen = (user.full_name, user.username)
    if ctx.agents_seen.get(user.id) == seen:
        return  # known and unchanged: no write per message
    assert ctx.agent_chat_id is not None
    async with transaction(ctx.sessions) as session:
        query = select(TelegramAgent).where(
            TelegramAgent.chat_id == ctx.agent_chat_id, TelegramAgent.user_id == user.id
        )
        row = (await session.execute(query)).scalar_one_or_none() or TelegramAgent(
            chat_id=ctx.agent_chat_id, user_id=user.id, full_name=user.full_name
        )
        row.full_name, row.username, row.last_seen_at = user.full_name, user.username, utcnow()
        session.add(row)
    ctx.agents_seen[user.id] = seen


async def by_name(session: AsyncSession, chat_id: int, name: str | None) -> TelegramAgent | None:
    """The agent last seen under this name (the name is what a ticket's assignee holds)."""
    if not name:
        return None
    query = (
        select(TelegramAgent)
        .where(col(TelegramAgent.chat_id) == chat_id, col(TelegramAgent.full_name) == name)
        .order_by(col(TelegramAgent.last_seen_at).desc())
    )
    return (await session.execute(query.limit(1))).scalars().first()


async def by_username(session: AsyncSession, chat_id: int, username: str) -> TelegramAgent | None:
    query = select(TelegramAgent).where(
        col(TelegramAgent.chat_id) == chat_id, func.lower(col(TelegramAgent.username)) == username.lstrip("@").lower()
    )
    return (await session.execute(query.limit(1))).scalars().first()
