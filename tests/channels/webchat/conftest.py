from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright
from sqlalchemy import func
from sqlmodel import col, select

from core.models import InboxEvent
from core.services import Services
from core.settings import Settings
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.support.servers import serve

StartChat = Callable[..., contextlib.AbstractAsyncContextManager["Chat"]]


@dataclass
class Chat:
    url: str
    services: Services

    async def handled(self, timeout: float = 10.0) -> None:
        """Wait until the core inbox has handled every acknowledged message."""
        async with asyncio.timeout(timeout):
            while True:
                async with self.services.sessions() as session:
                    query = select(func.count()).select_from(InboxEvent).where(col(InboxEvent.status) == "pending")
                    if not (await session.execute(query)).scalar_one():
                        return
                await asyncio.sleep(0.05)


@pytest.fixture
def start_chat(make_settings: Callable[..., AppSettings], migrated: Settings) -> StartChat:
    """Serve the real app with extra settings; its services let tests act as agents."""

    @contextlib.asynccontextmanager
    async def _start(**overrides: Any) -> AsyncIterator[Chat]:
        app = build_app(make_settings(**overrides))
        async with serve(app) as url:
            yield Chat(url, app.state.services)

    return _start


@pytest.fixture
async def chat(start_chat: StartChat) -> AsyncIterator[Chat]:
    async with start_chat() as running:
        yield running


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """The system Chromium, headless; Playwright never downloads a browser here."""
    if not Path(CHROMIUM).exists():  # noqa: ASYNC240 - one stat before any browser starts
        pytest.skip(f"{CHROMIUM} is missing (./scripts/test installs it)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
