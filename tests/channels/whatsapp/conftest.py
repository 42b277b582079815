from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from core.services import Services
from core.settings import Settings
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.fakes.whatsapp import Customer, FakeWhatsApp
from tests.support.servers import serve

M = TypeVar("M", bound=SQLModel)
TEMPLATE = "ticket_status_update"


@dataclass
class World:
    """The real app on WhatsApp, the fake Graph API it talks to, and its services for looking inside."""

    fake: FakeWhatsApp
    url: str
    services: Services

    def customer(self, wa_id: str = "15551234567", name: str = "Alice") -> Customer:
        return self.fake.customer(wa_id, name)

    async def rows(self, model: type[M], *where: Any) -> list[M]:
        async with self.services.sessions() as session:
            query = select(model).where(*where).order_by(model.id)  # type: ignore[attr-defined]
            return list((await session.execute(query)).scalars())

    async def count(self, model: type[SQLModel], *where: Any) -> int:
        async with self.services.sessions() as session:
            return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())

    async def wait_rows(self, model: type[M], n: int, *where: Any, timeout: float = 10.0) -> list[M]:
        found: list[M] = []

        async def enough() -> bool:
            nonlocal found
            found = await self.rows(model, *where)
            return len(found) >= n

        await wait_async(enough, f"{n} {model.__name__} rows", timeout)
        return found


async def wait_async(condition: Callable[[], Any], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.03)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def fake_whatsapp() -> AsyncIterator[tuple[FakeWhatsApp, str]]:
    fake = FakeWhatsApp()
    async with serve(fake.app, access_log=False) as url:
        yield fake, url


StartApp = Callable[..., contextlib.AbstractAsyncContextManager[World]]


@pytest.fixture
def start_app(
    fake_whatsapp: tuple[FakeWhatsApp, str], make_settings: Callable[..., AppSettings], migrated: Settings
) -> StartApp:
    """Start the real app on WhatsApp with extra settings; the database is the test's, migrated."""
    fake, api_url = fake_whatsapp

    @contextlib.asynccontextmanager
    async def _start(**overrides: Any) -> AsyncIterator[World]:
        settings = make_settings(**fake.settings(api_url, **{"whatsapp_template_name": TEMPLATE, **overrides}))
        app = build_app(settings)
        async with serve(app) as url:
            fake.webhook_url = f"{url}/whatsapp/webhook"
            yield World(fake, url, app.state.services)

    return _start


@pytest.fixture
async def world(start_app: StartApp) -> AsyncIterator[World]:
    async with start_app() as started:
        yield started
