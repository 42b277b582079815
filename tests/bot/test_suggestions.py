"""`/publish`: a feature request in the public suggestions channel, its status edited into the post."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.telegram import Telegram
from tests.support.telegram_steps import in_group, open_ticket, said, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])
CHANNEL = -1009876543210


@pytest.fixture
def telegram_overrides(telegram_overrides: dict[str, Any]) -> dict[str, Any]:
    return {**telegram_overrides, "timers_poll_interval": 0.1, "suggestions_channel_id": CHANNEL}


async def test_a_published_feature_request_follows_its_status_in_the_channel(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.channel(CHANNEL)
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Export recordings to MP4")
    topic = await topic_of(telegram, number)
    bob = fake.agent("Bob")

    await bob.send("/publish", thread_id=topic.thread_id)
    await in_group(telegram, "is not a feature request", thread_id=topic.thread_id)
    await bob.send("/type feature", thread_id=topic.thread_id)
    await bob.send("/publish", thread_id=topic.thread_id)
    await in_group(telegram, "is published in the suggestions channel", thread_id=topic.thread_id)

    def post() -> str:
        posts = fake.chat_messages(CHANNEL)
        assert len(posts) <= 1  # edited, never repeated
        return text_of(posts[0]) if posts else ""

    await fake.wait_for(lambda: "🆕 Under consideration" in post(), "the post")
    assert "Export recordings to MP4" in post() and "Details of Export recordings to MP4" in post()
    assert "Alice" not in post()

    await bob.send("/take", thread_id=topic.thread_id)
    await fake.wait_for(lambda: "🔧 In progress" in post(), "the status edited in")
    await bob.send("/solve Added in 2.4", thread_id=topic.thread_id)
    await fake.wait_for(lambda: "✅ Done" in post(), "the solution edited in")
    await said(telegram, alice, "Added in 2.4")
    await bob.send("/publish", thread_id=topic.thread_id)
    await in_group(telegram, "is already published", thread_id=topic.thread_id)
    assert len(fake.chat_messages(CHANNEL)) == 1
