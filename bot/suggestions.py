"""`/publish` in a feature request's topic, and its post in the public suggestions channel (core/suggestions.py)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.agent_side import action_key, agent_of, command_ticket, in_agent_group
from bot.desk_events import GeneralRenderer
from bot.desk_texts import desk_texts
from bot.repost import edit_or_post
from bot.texts import texts
from core import suggestions
from core.desk import TicketError, TicketNotFound
from core.messages import OutboundMessage
from platforms.telegram.context import BotContext


def router() -> Router:
    commands = Router(name="suggestion-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(publish_command, Command("publish"))
    return commands


async def publish_command(message: Message, ctx: BotContext) -> None:
    number = await command_ticket(ctx, message)
    if number is None or message.from_user is None:
        return
    agent, channel = agent_of(message.from_user), ctx.desk.limits.suggestions_channel_id
    try:
        done = await ctx.desk.on_ticket(
            number, lambda s, t: suggestions.publish(s, t, agent, channel), key=action_key(message)
        )
    except (TicketError, TicketNotFound) as error:
        await message.reply(texts("failed", ctx.language, reason=str(error)))
        return
    if done:  # None: Telegram delivered the command again, already done
        await message.reply(desk_texts("publish.done", ctx.language, number=number))


def post_text(meta: dict[str, object], language: str) -> str:
    """What the public sees: the request's words and where it stands; never who asked."""
    status = desk_texts(f"publish.status.{meta['status']}", language)
    return f"💡 {meta['subject']}\n\n{meta['description']}\n\n{status}"


async def suggestion_post(ctx: BotContext, message: OutboundMessage) -> list[int]:
    meta = message.meta
    chat_id = int(meta["chat_id"])
    text = post_text(meta, message.language or ctx.language)
    return await edit_or_post(ctx, message.address, chat_id, text)


def general_renderers() -> dict[str, GeneralRenderer]:
    return {suggestions.EVENT: suggestion_post}
