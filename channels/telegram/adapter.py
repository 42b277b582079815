"""The "telegram" channel's output side: what the core says to a customer in a private chat."""

from __future__ import annotations

from channels.telegram.inbound import CHANNEL
from core.delivery import PermanentFailure
from core.messages import OutboundMessage, SendResult
from platforms.telegram.context import BotContext
from platforms.telegram.errors import delivery_outcomes
from platforms.telegram.messages import message_key
from platforms.telegram.render import send_content


class TelegramAdapter:
    name = CHANNEL

    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx

    async def send(self, message: OutboundMessage) -> SendResult:
        if not message.address.lstrip("-").isdigit():
            raise PermanentFailure(f"not a Telegram chat id: {message.address!r}")
        chat_id = int(message.address)
        with delivery_outcomes():
            ids = await send_content(
                self.ctx, chat_id, message.text, choices=message.choices, attachments=message.attachments
            )
        # The last message carries the buttons and the end of the text: the one a customer replies to.
        return SendResult(external_id=message_key(chat_id, ids[-1]) if ids else None)
