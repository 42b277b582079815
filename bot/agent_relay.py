"""An agent's ordinary message in a ticket's topic goes to the customer, files included."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import Message

from bot.agent_side import action_key, agent_of, in_agent_group, ticket_number
from bot.texts import texts
from core.desk import TicketError
from core.messages import InboundAttachment
from platforms.telegram.context import BotContext
from platforms.telegram.messages import attachments_of, file_id, megabytes


def router() -> Router:
    relay = Router(name="agent-relay")
    relay.message.filter(in_agent_group)
    relay.message.register(agent_message)
    return relay


async def download(ctx: BotContext, items: list[InboundAttachment]) -> list[InboundAttachment]:
    """Fetch the files into the core's store, so customers on any channel can receive them."""
    downloaded = []
    for item in items:
        known = file_id(item.external_ref)
        assert known is not None  # attachments_of names every file by its file_id
        data = await ctx.bot.download(known)
        assert data is not None
        downloaded.append(item.model_copy(update={"content": data.read()}))
    return downloaded


async def agent_message(message: Message, ctx: BotContext) -> None:
    text = message.text or message.caption or ""
    if message.from_user is None or message.from_user.is_bot or text.startswith("/"):
        return  # other bots, and commands nobody handled, are not words for a customer
    parsed = attachments_of(message, ctx.max_file_size)
    if not text and not parsed.attachments and not parsed.too_big:
        return  # service messages: topic created, member joined...
    number = await ticket_number(ctx, message)
    if number is None:
        return  # agents talking among themselves outside any ticket
    if parsed.too_big:
        name, size = parsed.too_big[0]
        await message.reply(
            texts("file_too_big", ctx.language, name=name, size=megabytes(size), max=megabytes(ctx.max_file_size))
        )
        return
    files = await download(ctx, parsed.attachments)
    try:
        await ctx.desk.reply(number, agent_of(message.from_user), text, files, key=action_key(message))
    except TicketError as error:
        await message.reply(texts("failed", ctx.language, reason=str(error)))
