"""The real app with the agents' Telegram group and WhatsApp both on, each platform a fake HTTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp
from tests.support.servers import serve
from tests.support.telegram import Telegram


@asynccontextmanager
async def telegram_and_whatsapp(
    make_settings: Callable[..., AppSettings], **overrides: Any
) -> AsyncIterator[tuple[Telegram, FakeWhatsApp]]:
    tg, wa = FakeTelegram(), FakeWhatsApp()
    async with serve(tg.app, access_log=False) as tg_url, serve(wa.app, access_log=False) as wa_url:
        settings = make_settings(
            telegram_bot_token=tg.token,
            telegram_api_url=tg_url,
            telegram_agent_chat_id=tg.group_id,
            telegram_group_per_minute=1000,
            telegram_chat_per_second=50,
            **wa.settings(wa_url),
            **overrides,
        )
        app = build_app(settings)
        async with serve(app) as app_url:
            wa.webhook_url = f"{app_url}/whatsapp/webhook"
            yield Telegram(tg, settings, app_url, app.state.services), wa
