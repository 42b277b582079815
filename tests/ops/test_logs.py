"""Log lines: JSON with LOG_FORMAT=json, one per event with its ticket and channel, never a secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from core.messages import AGENT_DESK, OutboundMessage, SendResult
from core.services import Services
from core.settings import Settings
from switchboard.app import build_app
from switchboard.observability.logs import make_handler
from switchboard.settings import AppSettings
from tests.channels.webchat.visitor import Visitor
from tests.ops.test_metrics import settle
from tests.support.customers import CoreCustomer
from tests.support.servers import serve

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WHATSAPP_TOKEN = "EAAGm0PX4ZCpsBAKZAxyzWhatsAppSecretToken"


class TokenInUrlAdapter:
    """Calls a platform the way the real SDKs do, with the token in the URL; fails once per address."""

    def __init__(self, name: str, base_url: str, path: str) -> None:
        self.name, self.path = name, path
        self.client = httpx.AsyncClient(base_url=base_url)

    async def send(self, message: OutboundMessage) -> SendResult:
        response = await self.client.post(self.path, json={"to": message.address})
        response.raise_for_status()  # the error text holds the full URL, token included
        return SendResult(external_id=response.json()["id"])


def flaky_platform() -> FastAPI:
    app, seen = FastAPI(), set()

    @app.post("/{path:path}")
    async def send(path: str) -> JSONResponse:
        if path not in seen:
            seen.add(path)
            return JSONResponse({"ok": False}, 500)
        return JSONResponse({"id": "m1"})

    return app


@pytest.fixture
def log_lines(make_settings: Callable[..., AppSettings]) -> Iterator[Callable[[], list[str]]]:
    stream = io.StringIO()
    handler = make_handler(
        make_settings(log_format="json", telegram_bot_token=BOT_TOKEN, whatsapp_access_token=WHATSAPP_TOKEN), stream
    )
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture
async def running(migrated: Settings) -> AsyncIterator[tuple[Services, str]]:
    async with serve(flaky_platform()) as platform_url:
        app = build_app(migrated)
        services: Services = app.state.services
        telegram = TokenInUrlAdapter("test", platform_url, f"/bot{BOT_TOKEN}/sendMessage")
        whatsapp = TokenInUrlAdapter(AGENT_DESK, platform_url, f"/v21.0/messages?access_token={WHATSAPP_TOKEN}")
        services.adapters.update({"test": telegram, AGENT_DESK: whatsapp})
        async with serve(app) as url:
            yield services, url
        for adapter in (telegram, whatsapp):
            await adapter.client.aclose()


async def test_json_event_lines_carry_ticket_and_channel_and_no_token(
    running: tuple[Services, str], log_lines: Callable[[], list[str]]
) -> None:
    services, _ = running
    ticket = await CoreCustomer(services, "alice").open_ticket()
    services.worker.wake()
    await settle(services)
    lines = log_lines()
    entries: list[dict[str, Any]] = [json.loads(line) for line in lines]  # every line is JSON
    assert not [line for line in lines if BOT_TOKEN in line or WHATSAPP_TOKEN in line]
    assert any("[redacted]" in entry.get("exception", "") for entry in entries), "the failures were not logged"
    inbound = [e for e in entries if e["message"] == "inbound message stored"]
    assert len(inbound) == 5 and all(e["channel"] == "test" and e["message_id"] for e in inbound)
    desk = [e for e in entries if e.get("outcome") == "sent" and e["channel"] == AGENT_DESK]
    assert desk and all(e["ticket"] == str(ticket.number) and e["ticket_id"] == ticket.id for e in desk)
    customer = [e for e in entries if e.get("outcome") == "sent" and e["channel"] == "test"]
    assert customer and all(e["level"] == "INFO" and e["outbox_id"] for e in customer)


async def test_each_request_gets_an_id_and_a_sane_given_one_is_kept(running: tuple[Services, str]) -> None:
    _, url = running
    async with httpx.AsyncClient(base_url=url) as client:
        given = await client.get("/healthz", headers={"X-Request-ID": "lb-4f2a-77"})
        made = await client.get("/healthz")
        refused = await client.get("/healthz", headers={"X-Request-ID": 'x" level="ERROR'})
    assert given.headers["x-request-id"] == "lb-4f2a-77"
    assert len(made.headers["x-request-id"]) == 32
    assert refused.headers["x-request-id"] != 'x" level="ERROR' and len(refused.headers["x-request-id"]) == 32


def test_text_format_masks_secrets_too(make_settings: Callable[..., AppSettings]) -> None:
    stream = io.StringIO()
    handler = make_handler(
        make_settings(telegram_bot_token=BOT_TOKEN, database_url="postgresql://u:s3cr3tpass@h/db"), stream
    )
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "GET /bot%s/getMe via %s", (BOT_TOKEN, "s3cr3tpass"), None
    )
    record.channel = "telegram"
    handler.handle(record)
    line = stream.getvalue()
    assert BOT_TOKEN not in line and "s3cr3tpass" not in line
    assert "GET /bot[redacted]/getMe via [redacted]" in line and "[channel=telegram]" in line


async def test_a_web_chat_message_is_logged_with_its_request_id(
    running: tuple[Services, str], log_lines: Callable[[], list[str]]
) -> None:
    _, url = running
    async with Visitor(url) as visitor:
        await visitor.send("hello")
    async with asyncio.timeout(10):  # acknowledged once in the core inbox, handled by its worker
        while not (stored := [e for e in map(json.loads, log_lines()) if e["message"] == "inbound message stored"]):
            await asyncio.sleep(0.05)
    assert len(stored) == 1 and stored[0]["channel"] == "webchat"
    assert len(stored[0]["request_id"]) == 32
