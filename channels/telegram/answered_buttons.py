"""Buttons that act once: after "Solved", "Not solved" or a rating, the message says what was chosen.

Telegram lets a bot edit its own message, so the keyboard goes and the choice is written under the
text; on channels that cannot edit, the core's next reply says what was chosen.
"""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message

from platforms.telegram.context import BotContext
from platforms.telegram.render import TEXT_LIMIT

ONCE = ("solved:", "unsolved:", "rate:")


def chosen_label(message: Message, data: str) -> str | None:
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else []
    return next((button.text for row in rows for button in row if button.callback_data == data), None)


async def mark_answered(ctx: BotContext, query: CallbackQuery) -> None:
    """Replace the pressed keyboard with "✓ <choice>" when the button is one that acts once."""
    message, data = query.message, query.data or ""
    if not isinstance(message, Message) or not data.startswith(ONCE):
        return
    label = chosen_label(message, data)
    if label is None:
        return  # already edited: a second press of the same message
    await ctx.sender.slot(message.chat.id)
    try:
        text = f"{message.text}\n\n✓ {label}" if message.text else None
        if text is not None and len(text) <= TEXT_LIMIT:
            await ctx.bot.edit_message_text(text, chat_id=message.chat.id, message_id=message.message_id)
        else:
            await ctx.bot.edit_message_reply_markup(chat_id=message.chat.id, message_id=message.message_id)
    except TelegramBadRequest:
        pass  # too old to edit, or edited meanwhile: the core's reply has said what was chosen
