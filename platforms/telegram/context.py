"""What the bot's handlers and adapters share; handed to handlers as dispatcher data, never a global."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot

from core.db import SessionFactory
from core.desk import Desk
from core.files import FileStore
from platforms.telegram.sender import Sender


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
