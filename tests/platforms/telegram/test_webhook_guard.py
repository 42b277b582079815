"""The Telegram webhook refuses early: depth-bombs and bad JSON are 400s; lone surrogates are replaced."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from sqlmodel import col, select

from core.models import Message
from tests.fakes.telegram import FakeTelegram
from tests.support.telegram import Telegram

pytestmark = pytest.mark.parametrize("mode", ["webhook"])


async def post(fake: FakeTelegram, body: bytes) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": fake.webhook_secret, "Content-Type": "application/json"}
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(fake.webhook_url, content=body, headers=headers)


async def test_a_body_nested_100000_deep_gets_400_not_500(telegram: Telegram) -> None:
    deep = b'{"update_id": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert (await post(telegram.fake, deep)).status_code == 400
    assert (await post(telegram.fake, b'{"update_id": 1, "x": [}')).status_code == 400
    assert await telegram.outbox() == []


async def test_a_lone_surrogate_in_a_message_is_stored_as_a_replacement_character(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    update = fake.new_update(message=alice.message(text="broken \ud800 text"))
    response = await post(fake, json.dumps(update).encode())  # ASCII JSON with a "\ud800" escape
    assert response.status_code == 200
    async with asyncio.timeout(10):  # stored at the door, handled by the inbox's worker
        while not (texts := [row.text for row in await telegram.query(select(col(Message.text)))]):
            await asyncio.sleep(0.05)
    assert texts[0] == "broken \ufffd text"
