"""`/find` in the agents' group on both databases: by number, by Russian and English words, by the customer."""

from __future__ import annotations

import pytest

from tests.bot.conftest import Telegram
from tests.bot.steps import open_ticket, said, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


async def answer(telegram: Telegram, fragment: str) -> str:
    fake = telegram.fake
    found = await fake.wait_for(
        lambda: next((m for m in reversed(fake.chat_messages(fake.group_id)) if fragment in text_of(m)), None),
        f"{fragment!r} in the group",
    )
    return text_of(found)


async def test_find_by_number_words_and_customer(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, carol = fake.user("Alice"), fake.user("Carol")
    archive = await open_ticket(telegram, alice, "Archive not recording")
    await alice.send("The recorder shows error E17 since noon")
    turnstile = await open_ticket(telegram, carol, "Турникеты не открываются")
    topic = await topic_of(telegram, archive)
    await telegram.settled()
    bob = fake.agent("Bob")

    await bob.send(f"/find {archive}")
    found = await answer(telegram, f"Found for “{archive}”")
    assert f"#{archive}</a>" in found and f"/{topic.thread_id}" in found and "Archive not recording" in found

    await bob.send("/find recorder")  # a word of a later message, in English
    found = await answer(telegram, "Found for “recorder”")
    assert f"#{archive}" in found and f"#{turnstile}" not in found

    await bob.send("/find турникет")  # another form of a Russian word of the subject
    found = await answer(telegram, "Found for “турникет”")
    assert f"#{turnstile}" in found and f"#{archive}" not in found

    await bob.send("/find carol")  # the customer
    found = await answer(telegram, "Found for “carol”")
    assert f"#{turnstile}" in found and f"#{archive}" not in found

    await bob.send("/find printer", thread_id=topic.thread_id)  # also inside a ticket's topic
    await fake.wait_for(
        lambda: any("Nothing found for “printer”" in text_of(m) for m in fake.thread_messages(topic.thread_id)),
        "the answer in the topic",
    )
    await bob.send("/find")
    await answer(telegram, "Write what to look for")
    assert not [text for text in alice.texts() if "Found for" in text]
    await said(telegram, alice, "is registered")
