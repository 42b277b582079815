"""Core messages as Bot API calls: text split at 4096, choices as inline keyboards, files with captions."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from core.delivery import PermanentFailure
from core.messages import AttachmentRef, Choice
from platforms.telegram.context import BotContext
from platforms.telegram.messages import file_id

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break or space when there is one."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ") if cut < limit else text[cut:]
    return [*pieces, text] if text.strip() else pieces


def keyboard(choices: Sequence[Choice]) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    rows = [[InlineKeyboardButton(text=choice.label[:64], callback_data=choice.id[:64])] for choice in choices]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def input_file(ctx: BotContext, attachment: AttachmentRef) -> str | BufferedInputFile:
    """A file_id this bot already knows, else the bytes from the core's file store."""
    if (known := file_id(attachment.external_ref)) is not None:
        return known
    if attachment.storage_key:
        return BufferedInputFile(ctx.files.read(attachment.storage_key), attachment.filename or "file")
    raise PermanentFailure(f"attachment {attachment.id} has neither a Telegram file nor stored content")


async def send_content(
    ctx: BotContext,
    chat_id: int,
    text: str,
    *,
    choices: Sequence[Choice] = (),
    attachments: Sequence[AttachmentRef] = (),
    thread_id: int | None = None,
    urgent: bool = False,
) -> list[int]:
    """Send text and files to one chat (or topic); the ids of the messages sent, in order."""
    ids: list[int] = []
    markup = keyboard(choices)
    caption = text if attachments and text and len(text) <= CAPTION_LIMIT else None
    for index, attachment in enumerate(attachments):
        await ctx.sender.slot(chat_id, urgent=urgent)
        extra = {"caption": caption, "reply_markup": markup} if index == 0 and caption else {}
        file = input_file(ctx, attachment)
        if attachment.kind == "image":
            sent = await ctx.bot.send_photo(chat_id, file, message_thread_id=thread_id, **extra)  # type: ignore[arg-type]
        else:
            sent = await ctx.bot.send_document(chat_id, file, message_thread_id=thread_id, **extra)  # type: ignore[arg-type]
        ids.append(sent.message_id)
    if caption is None:
        pieces = split_text(text)
        for index, piece in enumerate(pieces):
            await ctx.sender.slot(chat_id, urgent=urgent)
            last = index == len(pieces) - 1
            sent = await ctx.bot.send_message(
                chat_id, piece, message_thread_id=thread_id, reply_markup=markup if last else None
            )
            ids.append(sent.message_id)
    return ids
