"""Telegram messages as the core's normalized InboundMessage."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram.types import CallbackQuery, Message

from core.messages import AttachmentKind, InboundAttachment, InboundMessage

CHANNEL = "telegram"
FILE_REF = "telegram:"
"""Prefix of `external_ref` for a Telegram file_id: only this bot can send such a file again."""


def message_key(chat_id: int, message_id: int) -> str:
    """A message's id across chats (Telegram numbers messages per chat)."""
    return f"{chat_id}:{message_id}"


def megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}"


def parse_key(key: str | None) -> tuple[int, int] | None:
    chat, _, message = (key or "").partition(":")
    if not message.isdigit() or not chat.lstrip("-").isdigit():
        return None
    return int(chat), int(message)


@dataclass
class Parsed:
    attachments: list[InboundAttachment] = field(default_factory=list)
    too_big: list[tuple[str, int]] = field(default_factory=list)


def attachments_of(message: Message, max_size: int) -> Parsed:
    """The message's files by file_id (nothing downloaded); files over `max_size` are listed apart."""
    found: list[tuple[AttachmentKind, str, str | None, str | None, int | None]] = []
    if message.photo:
        photo = message.photo[-1]  # the largest size
        found.append(("image", photo.file_id, None, "image/jpeg", photo.file_size))
    if message.document:
        doc = message.document
        kind: AttachmentKind = "image" if (doc.mime_type or "").startswith("image/") else "document"
        found.append((kind, doc.file_id, doc.file_name, doc.mime_type, doc.file_size))
    if message.video:
        found.append(
            ("video", message.video.file_id, message.video.file_name, message.video.mime_type, message.video.file_size)
        )
    if message.audio:
        found.append(
            ("audio", message.audio.file_id, message.audio.file_name, message.audio.mime_type, message.audio.file_size)
        )
    if message.voice:
        found.append(("audio", message.voice.file_id, None, message.voice.mime_type, message.voice.file_size))
    parsed = Parsed()
    for kind, file_id, filename, mime_type, size in found:
        if size is not None and size > max_size:
            parsed.too_big.append((filename or kind, size))
            continue
        parsed.attachments.append(
            InboundAttachment(
                kind=kind, filename=filename, mime_type=mime_type, size=size, external_ref=FILE_REF + file_id
            )
        )
    return parsed


def customer_message(message: Message, attachments: list[InboundAttachment]) -> InboundMessage:
    user = message.from_user
    reply = message.reply_to_message
    return InboundMessage(
        channel=CHANNEL,
        sender=str(message.chat.id),
        external_id=message_key(message.chat.id, message.message_id),
        text=message.text or message.caption or "",
        attachments=attachments,
        reply_to=message_key(message.chat.id, reply.message_id) if reply else None,
        sender_name=user.full_name if user else None,
        language=user.language_code if user else None,
        sent_at=message.date,
    )


def button_press(query: CallbackQuery, chat_id: int) -> InboundMessage:
    return InboundMessage(
        channel=CHANNEL,
        sender=str(chat_id),
        external_id=f"callback:{query.id}",
        choice=query.data,
        sender_name=query.from_user.full_name,
        language=query.from_user.language_code,
    )
