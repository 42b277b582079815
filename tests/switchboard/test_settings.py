"""Each channel reads its own settings under the env names the service always had."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.webchat.settings import WebchatSettings
from channels.whatsapp.settings import WhatsAppSettings
from core.settings import Settings
from platforms.telegram.settings import TelegramSettings
from switchboard.settings import AppSettings


def test_channel_settings_come_from_the_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("WHATSAPP_VERIFY_TOKEN=from-dotenv\nWEBCHAT_ALLOWED_ORIGINS=https://shop.example\n")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token")
    monkeypatch.setenv("TELEGRAM_AGENT_CHAT_ID", "-1001234")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://bot-api.local/")
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "EAA-secret")
    settings = AppSettings.load(Settings(_env_file=None))  # type: ignore[call-arg]
    telegram = settings.channel(TelegramSettings)
    assert (telegram.bot_token, telegram.agent_chat_id, telegram.api_url) == (
        "123:secret-token",
        -1001234,
        "http://bot-api.local",
    )
    assert settings.channel(WhatsAppSettings).verify_token == "from-dotenv"
    assert settings.channel(WebchatSettings).allowed_origins == "https://shop.example"
    assert {"123:secret-token", "EAA-secret", "from-dotenv"} <= set(settings.secrets)


def test_absent_channel_settings_leave_the_channel_off() -> None:
    settings = AppSettings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert settings.channel(TelegramSettings).bot_token == ""
    assert settings.secrets == []
