"""Telegram updates through the core inbox: stored at the door (webhook or polling), handled by a worker."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update

from core.inbox import Inbox
from core.messages import InboundMessage
from platforms.telegram.runtime import TelegramRuntime

INBOX_CHANNEL = "telegram"
"""The inbox's name for this bot's updates (customers' chats and the agents' group alike)."""


class NotAnUpdate(ValueError):
    pass


def conversation_of(payload: dict[str, Any]) -> str:
    """The chat an update belongs to: its updates are handled one at a time, in order."""
    message = payload.get("message") or (payload.get("callback_query") or {}).get("message") or {}
    chat = message.get("chat") or {}
    if "id" in chat:
        return str(chat["id"])
    sender = (payload.get("callback_query") or {}).get("from") or {}
    return f"user:{sender.get('id', '')}"


def update_id_of(payload: object) -> int:
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        raise NotAnUpdate("not a Telegram update")
    return int(payload["update_id"])


class TelegramInbox:
    """Stores updates in the core inbox and feeds stored ones to the bot's dispatcher."""

    def __init__(self, inbox: Inbox, runtime: TelegramRuntime) -> None:
        self.inbox, self.runtime = inbox, runtime
        inbox.register(INBOX_CHANNEL, self.handle)
        runtime.accept = self.store

    async def store(self, payload: dict[str, Any], text: str) -> None:
        """Keep one update, `text` being its JSON (a repeat of a stored one is dropped); returns
        once it is durable."""
        await self.inbox.store(INBOX_CHANNEL, str(update_id_of(payload)), conversation_of(payload), text)

    async def handle(self, payload: str) -> list[InboundMessage]:
        # The dispatcher's handlers reach the desk themselves (customers' messages, agents' actions).
        await self.runtime.handle(Update.model_validate_json(payload, context={"bot": self.runtime.bot}))
        return []
