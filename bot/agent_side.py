"""What every agent-side handler needs: who the agent is, which ticket a group message is about, its key."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message, User
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.models import TelegramGroupMessage, TelegramTopic
from bot.texts import texts
from core import views
from core.desk import Agent
from platforms.telegram.context import BotContext


def agent_of(user: User) -> Agent:
    return Agent(name=user.full_name, external_id=str(user.id))


def action_key(event: Message | CallbackQuery) -> str:
    """The idempotency key of the action a message or button press asks for (Telegram may deliver it twice)."""
    if isinstance(event, CallbackQuery):
        return f"telegram:callback:{event.id}"
    return f"telegram:{event.chat.id}:{event.message_id}"


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
            query = select(TelegramGroupMessage.ticket_id).where(
                col(TelegramGroupMessage.chat_id) == message.chat.id,
                col(TelegramGroupMessage.message_id) == reply.message_id,
            )
            if (number := await _number(session, (await session.execute(query)).scalar_one_or_none())) is not None:
                return number
        if message.is_topic_message and message.message_thread_id:
            query = select(TelegramTopic.ticket_id).where(
                col(TelegramTopic.chat_id) == message.chat.id,
                col(TelegramTopic.thread_id) == message.message_thread_id,
            )
            if (number := await _number(session, (await session.execute(query)).scalar_one_or_none())) is not None:
                return number
    return None


async def _number(session: AsyncSession, ticket_id: int | None) -> int | None:
    return await views.ticket_number(session, ticket_id) if ticket_id is not None else None
