"""The real app (build_app) with the Telegram plugin on, talking to the fake Bot API over HTTP.

Fixtures for the tests of both Telegram sides and the platform; their conftests re-export them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import col, select

from core.db import create_engine
from core.migrate import upgrade
from core.models import InboxEvent, OutboxMessage, Ticket
from core.services import Services
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.fakes.telegram import FakeTelegram
from tests.support.servers import free_port, serve


@dataclass
class Telegram:
    fake: FakeTelegram
    settings: AppSettings
    app_url: str
    services: Services

    async def query(self, statement: Any) -> list[Any]:
        # Through the app's own pool: on SQLite a second connection would contend for the write lock.
        async with self.services.sessions() as session:
            return list((await session.execute(statement)).all())

    async def tickets(self) -> list[Any]:
        return await self.query(select(Ticket.number, Ticket.status, Ticket.subject).order_by(col(Ticket.id)))

    async def outbox(self) -> list[Any]:
        return await self.query(
            select(OutboxMessage.channel, OutboxMessage.kind, OutboxMessage.status, OutboxMessage.last_error).order_by(
                col(OutboxMessage.id)
            )
        )

    async def settled(self, timeout: float = 10.0) -> list[Any]:
        """The outbox once every update pushed was handled (core inbox) and nothing is pending any more."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            handled = await self.query(select(InboxEvent.external_id).where(InboxEvent.status != "pending"))
            rows = await self.outbox()
            everything_handled = {str(i) for i in self.fake.pushed} <= {row.external_id for row in handled}
            if everything_handled and not any(row.status == "pending" for row in rows):
                return rows
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"outbox still pending: {rows}")
            await asyncio.sleep(0.05)


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram()


LOOSE_LIMITS: dict[str, Any] = {
    "telegram_chat_per_second": 50,
    "telegram_group_per_minute": 1000,
    "telegram_global_per_second": 100,
}


@pytest.fixture
def telegram_overrides() -> dict[str, Any]:
    """Per-test settings; the limits are loose so tests are quick, except where a test tightens them."""
    return dict(LOOSE_LIMITS)


@pytest.fixture
async def telegram(
    fake: FakeTelegram, mode: str, make_settings: Callable[..., AppSettings], telegram_overrides: dict[str, Any]
) -> AsyncIterator[Telegram]:
    async with serve(fake.app, access_log=False) as api_url:
        port = free_port()
        settings = make_settings(
            telegram_bot_token=fake.token,
            telegram_api_url=api_url,
            telegram_agent_chat_id=fake.group_id,
            telegram_webhook_secret="hook-secret_1" if mode == "webhook" else "",
            public_url=f"http://127.0.0.1:{port}" if mode == "webhook" else "",
            **telegram_overrides,
        )
        engine = create_engine(settings.core.resolved_database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
        app = build_app(settings)
        try:
            async with serve(app, port=port) as app_url:
                yield Telegram(fake, settings, app_url, app.state.services)
        finally:
            await fake.close()
