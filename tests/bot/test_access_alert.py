"""Repeated wrong access codes show up in the agents' General topic."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.telegram import Telegram
from tests.support.telegram_steps import said, text_of


@pytest.fixture
def telegram_overrides() -> dict[str, Any]:
    return {"telegram_chat_per_second": 50, "telegram_group_per_minute": 1000, "require_contract": True}


@pytest.mark.parametrize("mode", ["polling"])
async def test_five_wrong_codes_lock_the_customer_and_the_agents_see_it(telegram: Telegram) -> None:
    mallory = telegram.fake.user("Mallory")
    await mallory.send("hello")
    await said(telegram, mallory, "access code")
    for guess in range(5):
        await mallory.send(f"GUESS-{guess}")
    await said(telegram, mallory, "Too many wrong codes in a row")

    def alert() -> dict[str, Any] | None:
        general = [m for m in telegram.fake.chat_messages(telegram.fake.group_id) if not m.get("message_thread_id")]
        return next((m for m in general if "wrong access codes" in text_of(m)), None)

    line = text_of(await telegram.fake.wait_for(alert, "the alert in the General topic"))
    assert line.startswith("🔒 5 wrong access codes within 15 min from Mallory (telegram)")
