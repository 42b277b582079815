"""TELEGRAM_* settings: the one bot both Telegram sides use (customers' chats and the agents' desk)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import BaseUrl, OptionalId


class TelegramSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TELEGRAM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: str = ""
    api_url: BaseUrl = "https://api.telegram.org"
    agent_chat_id: OptionalId = None
    webhook_secret: str = ""
    # Bot API limits (Telegram FAQ): per chat, into the agents' group, and overall.
    chat_per_second: int = Field(default=1, ge=1)
    group_per_minute: int = Field(default=20, ge=1)
    global_per_second: int = Field(default=30, ge=1)
