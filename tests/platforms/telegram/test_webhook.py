"""The webhook endpoint: only Telegram (who knows the secret) may post, and retries are handled once."""

from __future__ import annotations

import logging

import httpx
import pytest

from tests.support.telegram import Telegram
from tests.support.telegram_steps import said


@pytest.mark.parametrize("mode", ["webhook"])
async def test_forged_webhook_secret_gets_403_and_changes_nothing(telegram: Telegram) -> None:
    fake = telegram.fake
    assert fake.webhook_url == telegram.app_url + "/telegram/webhook"
    alice = fake.user("Alice")
    update = fake.new_update(message=alice.message(text="/start"))
    async with httpx.AsyncClient() as client:
        forged = await client.post(fake.webhook_url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        missing = await client.post(fake.webhook_url, json=update)
    assert (forged.status_code, missing.status_code) == (403, 403)
    assert await telegram.outbox() == []
    assert await fake.push(update) == 200
    await said(telegram, alice, "Hello!")


@pytest.mark.parametrize("mode", ["webhook"])
async def test_a_redelivered_update_is_processed_once(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    update = fake.new_update(message=alice.message(text="/start"))
    assert await fake.push(update) == 200
    assert await fake.redeliver(update) == 200
    await said(telegram, alice, "Hello!")
    rows = await telegram.settled()
    assert [row.kind for row in rows] == ["text"]
    assert len(alice.inbox()) == 1


@pytest.mark.parametrize("mode", ["webhook"])
async def test_garbage_gets_400(telegram: Telegram) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            telegram.fake.webhook_url,
            content=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": "hook-secret_1"},
        )
    assert response.status_code == 400


async def test_the_token_never_reaches_our_urls_or_logs(telegram: Telegram, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake = telegram.fake
    alice = fake.user("Alice")
    fake.fail_next("sendMessage", 500, times=1)
    await alice.send("/start")
    await said(telegram, alice, "Hello!")
    assert fake.token not in fake.webhook_url
    assert all(fake.token not in record.getMessage() for record in caplog.records)
