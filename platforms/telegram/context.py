"""What the bot's handlers and adapters share; handed to handlers as dispatcher data, never a global."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from aiogram import Bot

from core.db import SessionFactory
from core.desk import Desk
from core.files import FileStore
from platforms.telegram.sender import Sender


class CardUpdates(Protocol):
    """Keeps the desk's ticket cards in step (bot/card_keeper.py); the platform only carries it."""

    def touch(self, number: int, *, follow: bool = False) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class BotContext:
    bot: Bot
    desk: Desk
    sessions: SessionFactory
    files: FileStore
    sender: Sender
    agent_chat_id: int | None
    language: str
    max_file_size: int
    forum: bool = True
    # Who has posted in the agents' group, as last written to telegram_agent (user id -> name, username).
    agents_seen: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    cards: CardUpdates | None = None
