"""What every agent-side handler needs: who the agent is, which ticket a group message is about, acting once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiogram.types import CallbackQuery, Message, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import TelegramGroupMessage, TelegramTopic
from bot.texts import texts
from core.agents import Agent
from core.models import Ticket
from core.receipts import claim_receipt
from platforms.telegram.context import BotContext

T = TypeVar("T")
RECEIPTS = "telegram-agents"


class Duplicate:
    """The action was already done for this message (Telegram delivered the update again)."""


def agent_of(user: User) -> Agent:
    return Agent(name=user.full_name, external_id=str(user.id))


def in_agent_group(event: Message | CallbackQuery, ctx: BotContext) -> bool:
    """The only place agents act from; the filter every agent-side router uses."""
    chat = event.chat if isinstance(event, Message) else (event.message.chat if event.message else None)
    return chat is not None and ctx.agent_chat_id is not None and chat.id == ctx.agent_chat_id


async def command_ticket(ctx: BotContext, message: Message) -> int | None:
    """The ticket an agent's command is about; None (the agent told why) when it names none."""
    if message.from_user is None:
        return None
    number = await ticket_number(ctx, message)
    if number is None:
        await message.reply(texts("not_in_ticket", ctx.language))
    return number


async def ticket_number(ctx: BotContext, message: Message) -> int | None:
    """The ticket a group message is about: a reply to a ticket's message, or a ticket's topic."""
    async with ctx.sessions() as session:
        reply = message.reply_to_message
        if reply is not None and reply.forum_topic_created is None:
            query: Any = select(Ticket.number).join(TelegramGroupMessage, TelegramGroupMessage.ticket_id == Ticket.id)
            query = query.where(
                TelegramGroupMessage.chat_id == message.chat.id, TelegramGroupMessage.message_id == reply.message_id
            )
            if (number := (await session.execute(query)).scalar_one_or_none()) is not None:
                return int(number)
        if message.is_topic_message and message.message_thread_id:
            query = (
                select(Ticket.number)
                .join(TelegramTopic, TelegramTopic.ticket_id == Ticket.id)
                .where(TelegramTopic.chat_id == message.chat.id, TelegramTopic.thread_id == message.message_thread_id)
            )
            if (number := (await session.execute(query)).scalar_one_or_none()) is not None:
                return int(number)
    return None


async def act_once(
    ctx: BotContext, number: int, key: str, action: Callable[[AsyncSession, Ticket], Awaitable[T]]
) -> T | Duplicate:
    """Run an agent action in the ticket's transaction, at most once per Telegram message or press."""

    async def _once(session: AsyncSession, ticket: Ticket) -> T | Duplicate:
        if not await claim_receipt(session, RECEIPTS, key):
            return Duplicate()
        return await action(session, ticket)

    return await ctx.desk.on_ticket(number, _once)
