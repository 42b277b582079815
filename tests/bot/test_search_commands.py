"""`/find` in the agents' group on both databases: by number, by Russian and English words, by the customer."""

from __future__ import annotations

import pytest

from tests.support.telegram import Telegram
from tests.support.telegram_steps import in_group, open_ticket, said, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


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
    found = text_of(await in_group(telegram, f"Found for “{archive}”"))
    assert f"#{archive}</a>" in found and f"/{topic.thread_id}" in found and "Archive not recording" in found

    await bob.send("/find recorder")  # a word of a later message, in English
    found = text_of(await in_group(telegram, "Found for “recorder”"))
    assert f"#{archive}" in found and f"#{turnstile}" not in found

    await bob.send("/find турникет")  # another form of a Russian word of the subject
    found = text_of(await in_group(telegram, "Found for “турникет”"))
    assert f"#{turnstile}" in found and f"#{archive}" not in found

    await bob.send("/find carol")  # the customer
    found = text_of(await in_group(telegram, "Found for “carol”"))
    assert f"#{turnstile}" in found and f"#{archive}" not in found

    await bob.send("/find printer", thread_id=topic.thread_id)  # also inside a ticket's topic
    await in_group(telegram, "Nothing found for “printer”", thread_id=topic.thread_id)
    await bob.send("/find")
    await in_group(telegram, "Write what to look for")
    assert not [text for text in alice.texts() if "Found for" in text]
    await said(telegram, alice, "is registered")
