"""What both Telegram sides read off a Bot API message: its key across chats and its files by file_id."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiogram.types import Message

from core.messages import AttachmentKind, InboundAttachment

FILE_REF = "telegram:"
"""Prefix of `external_ref` for a Telegram file_id: only this bot can send such a file again."""


def message_key(chat_id: int, message_id: int) -> str:
    """A message's id across chats (Telegram numbers messages per chat)."""
    return f"{chat_id}:{message_id}"


def parse_key(key: str | None) -> tuple[int, int] | None:
    chat, _, message = (key or "").partition(":")
    if not message.isdigit() or not chat.lstrip("-").isdigit():
        return None
    return int(chat), int(message)


def file_id(external_ref: str | None) -> str | None:
    """The file_id of an attachment this bot received, else None."""
    if external_ref and external_ref.startswith(FILE_REF):
        return external_ref.removeprefix(FILE_REF)
    return None


def megabytes(size: int) -> str:
    return f"{size / 2**20:.1f}"


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
