"""A group with topics switched off: every message names its ticket, and replies find it."""

from __future__ import annotations

import pytest

from tests.fakes.telegram import FakeTelegram
from tests.support.telegram import Telegram
from tests.support.telegram_steps import open_ticket, said, text_of

pytestmark = pytest.mark.parametrize("mode", ["webhook"])


@pytest.fixture
def fake() -> FakeTelegram:
    return FakeTelegram(forum=False)


async def test_without_topics_replies_find_the_ticket(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, carol = fake.user("Alice"), fake.user("Carol")
    first = await open_ticket(telegram, alice, "Wifi")
    second = await open_ticket(telegram, carol, "Phone")
    cards = await fake.wait_for(
        lambda: len(fake.chat_messages(fake.group_id)) >= 2 and fake.chat_messages(fake.group_id), "both cards"
    )
    assert not fake.topics
    card_a = next(m for m in cards if f"#{first} · Request #{first}" in text_of(m))
    await alice.send("It drops every hour")
    forwarded = await fake.wait_for(
        lambda: next((m for m in fake.chat_messages(fake.group_id) if "It drops every hour" in text_of(m)), None),
        "the forward",
    )
    assert text_of(forwarded).startswith(f"#{first} · ")
    await telegram.settled()  # group messages are mapped to their ticket just after Telegram accepts them
    bob = fake.agent("Bob")
    await bob.send("Which building?", reply_to=forwarded["message_id"])
    await said(telegram, alice, "Which building?")
    await bob.send("/ask Since when?", reply_to=card_a["message_id"])
    await said(telegram, alice, "Since when?")
    assert all("Which building?" not in text for text in carol.texts())
    assert second != first
