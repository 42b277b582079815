"""Telegram failing in the ways it does: 429s, blocked customers, topics deleted or closed by hand."""

from __future__ import annotations

import pytest

from tests.support.telegram import Telegram
from tests.support.telegram_steps import open_ticket, said, text_of, topic_of


async def test_a_429_storm_loses_nothing(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    fake.fail_next("sendMessage", 429, retry_after=1, times=4)
    fake.fail_next("createForumTopic", 429, retry_after=1, times=2)
    fake.fail_next("copyMessage", 429, retry_after=1, times=2)
    number = await open_ticket(telegram, alice, "Printer jams")
    topic = await topic_of(telegram, number)
    await alice.send("It jams on page two")
    await fake.wait_for(
        lambda: any(text_of(m) == "It jams on page two" for m in fake.thread_messages(topic.thread_id)),
        "the message after the storm",
        timeout=20,
    )
    rows = await telegram.settled(timeout=20)
    assert {row.status for row in rows} == {"sent"}
    assert len([t for t in fake.topics.values()]) == 1
    cards = [m for m in fake.thread_messages(topic.thread_id) if text_of(m).startswith(f"Request #{number}")]
    assert len(cards) == 1
    assert sum(1 for call in fake.calls if call.method == "sendMessage") > len(alice.inbox())  # retries happened


async def test_a_blocked_customer_does_not_stall_other_deliveries(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, carol = fake.user("Alice"), fake.user("Carol")
    first = await open_ticket(telegram, alice, "Camera down")
    second = await open_ticket(telegram, carol, "Door lock")
    topic_a, topic_c = await topic_of(telegram, first), await topic_of(telegram, second)
    fake.blocked.add(alice.id)
    bob = fake.agent("Bob")
    await bob.send("We are on it", thread_id=topic_a.thread_id)
    await bob.send("A technician is coming", thread_id=topic_c.thread_id)
    await said(telegram, carol, "A technician is coming")
    notice = await fake.wait_for(
        lambda: next((m for m in fake.thread_messages(topic_a.thread_id) if "did not receive" in text_of(m)), None),
        "the failure notice",
    )
    assert "blocked" in text_of(notice)
    rows = await telegram.settled()
    failed = [row for row in rows if row.status == "failed"]
    # The reply and the "in progress" notice: both Alice's, both final.
    assert len(failed) == 2 and all("blocked" in (row.last_error or "") for row in failed)
    assert {row.status for row in rows if row not in failed} == {"sent"}
    # One try only: a 403 is final, so the worker does not hammer the destination.
    assert (
        len(
            [
                c
                for c in fake.calls_to("sendMessage")
                if c.params["chat_id"] == alice.id and "We are on it" in c.params["text"]
            ]
        )
        == 1
    )


async def test_a_deleted_topic_is_recreated_with_the_card(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "VPN fails")
    old = await topic_of(telegram, number)
    await telegram.settled()
    fake.delete_topic(old.thread_id)
    await alice.send("Still failing")
    new = await topic_of(telegram, number)
    assert new.thread_id != old.thread_id
    posted = await fake.wait_for(
        lambda: len(fake.thread_messages(new.thread_id)) >= 2 and fake.thread_messages(new.thread_id),
        "the card and the message",
    )
    assert "replaces one that was deleted" in text_of(posted[0]) and f"Request #{number}" in text_of(posted[0])
    assert text_of(posted[1]) == "Still failing"
    bob = fake.agent("Bob")
    await bob.send("Try the other server", thread_id=new.thread_id)
    await said(telegram, alice, "Try the other server")


@pytest.mark.parametrize("mode", ["polling"])
async def test_a_topic_closed_by_hand_is_reopened(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Mail down")
    topic = await topic_of(telegram, number)
    await telegram.settled()
    topic.closed = True
    await alice.send("Any news?")
    await fake.wait_for(
        lambda: any(text_of(m) == "Any news?" for m in fake.thread_messages(topic.thread_id)),
        "the message in the reopened topic",
    )
    assert not topic.closed and fake.calls_to("reopenForumTopic")
