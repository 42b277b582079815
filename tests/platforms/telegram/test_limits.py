"""Limits: a burst of customer messages into a rate-limited group is combined, never dropped."""

from __future__ import annotations

import pytest

from platforms.telegram.limiter import LocalRateLimiter, Rule
from tests.support.telegram import Telegram
from tests.support.telegram_steps import open_ticket, said, text_of, topic_of


@pytest.mark.parametrize("mode", ["polling"])
async def test_a_burst_into_a_limited_group_is_combined_and_complete(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Network down")
    topic = await topic_of(telegram, number)
    await telegram.settled()
    fake.limit("group", 1, per=2.0)  # the fake enforces it with 429s, as Telegram does
    burst = [f"update {i}" for i in range(12)]
    for line in burst:
        await alice.send(line)
    await fake.wait_for(
        lambda: all(any(line in text_of(m) for m in fake.thread_messages(topic.thread_id)) for line in burst),
        "every line in the topic",
        timeout=30,
    )
    rows = await telegram.settled(timeout=30)
    assert {row.status for row in rows} == {"sent"}
    shown = [m for m in fake.thread_messages(topic.thread_id) if "update" in text_of(m)]
    assert len(shown) < len(burst)  # combined
    joined = "\n\n".join(text_of(m) for m in shown)
    assert [line for line in burst if line in joined] == burst
    assert joined.index("update 3") < joined.index("update 11")  # in order


async def test_the_limiter_holds_every_window() -> None:
    limiter = LocalRateLimiter({"chat": Rule(2, 1.0), "group": Rule(3, 60.0)})
    assert await limiter.reserve(["chat:1", "group"]) == 0
    assert await limiter.reserve(["chat:1", "group"]) == 0
    assert await limiter.reserve(["chat:1", "group"]) > 0.5  # chat 1 is full
    assert await limiter.reserve(["chat:2", "group"]) == 0
    assert await limiter.reserve(["chat:3", "group"]) > 50  # the group's minute is full
    assert await limiter.reserve(["chat:3"]) == 0  # nothing was taken by the refused attempt


@pytest.mark.parametrize("mode", ["polling"])
async def test_long_texts_are_split_and_long_captions_follow(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Long one")
    topic = await topic_of(telegram, number)
    await telegram.settled()
    bob = fake.agent("Bob")
    long = " ".join(f"word{i}" for i in range(1200))  # about 9,000 characters
    await bob.send(long, thread_id=topic.thread_id)
    await said(telegram, alice, "word1199")
    texts = [text_of(m) for m in alice.inbox()]
    start = next(i for i, text in enumerate(texts) if "Support: word0" in text)
    pieces = texts[start:]
    assert len(pieces) == 3 and all(len(p) <= 4096 for p in pieces)
    assert " ".join(pieces).split() == f"#{number} · Support: {long}".split()
    caption = "c" * 1500
    await bob.send_photo(b"\x89PNG" + bytes(10), caption=caption, thread_id=topic.thread_id)
    await said(telegram, alice, "c" * 1000)
    photo = next(m for m in alice.inbox() if "photo" in m)
    assert "caption" not in photo
    assert alice.inbox()[-1]["text"].endswith(caption)
