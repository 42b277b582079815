"""One message kept up to date: edited where it was last posted, posted again only when it is gone."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup

from core.posted import last_posted
from platforms.telegram.context import BotContext
from platforms.telegram.messages import parse_key


async def edit_or_post(
    ctx: BotContext,
    address: str,
    chat_id: int,
    text: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    parse_mode: str | None = None,
) -> list[int]:
    """Edit the message last sent for the desk event `address` in `chat_id`, or post it; its id."""
    async with ctx.sessions() as session:
        previous = parse_key(await last_posted(session, address))
    await ctx.sender.slot(chat_id)
    if previous is not None:
        try:
            await ctx.bot.edit_message_text(
                text, chat_id=chat_id, message_id=previous[1], reply_markup=markup, parse_mode=parse_mode
            )
            return [previous[1]]
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                return [previous[1]]
            if "not found" not in error.message:
                raise
            # Someone deleted it: post it again.
    sent = await ctx.bot.send_message(chat_id, text, reply_markup=markup, parse_mode=parse_mode)
    return [sent.message_id]
