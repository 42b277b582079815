"""Customers' Telegram messages and button presses as the core's normalized InboundMessage."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from core.messages import InboundAttachment, InboundMessage
from platforms.telegram.messages import message_key

CHANNEL = "telegram"


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
