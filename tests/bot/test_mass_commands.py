"""Mass incidents and SLA in the agents' group: /mass, /link, /broadcast, the card and the timers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.contracts import clocks_due_now, premium_by_default
from tests.support.telegram import LOOSE_LIMITS, Telegram
from tests.support.telegram_steps import in_topic, open_ticket, said, text_of, topic_of


@pytest.fixture
def telegram_overrides() -> dict[str, Any]:
    return {**LOOSE_LIMITS, "timers_poll_interval": 0.1}


async def test_mass_link_broadcast_and_solution_in_the_group(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, carol, dave = fake.user("Alice"), fake.user("Carol"), fake.user("Dave")
    parent = await open_ticket(telegram, alice, "Archive unavailable")
    first = await open_ticket(telegram, carol, "No recordings")
    topic = await topic_of(telegram, parent)
    bob = fake.agent("Bob")

    await bob.send("/mass", thread_id=topic.thread_id)
    await in_topic(telegram, topic.thread_id, "This is a mass incident")
    await bob.send(f"/link {first}", thread_id=topic.thread_id)
    await in_topic(telegram, topic.thread_id, f"#{first} is linked to this mass incident. Linked: 1.")
    await said(telegram, carol, "is part of a known problem")

    # A new customer's incident report is offered the open mass incident and joins it.
    await dave.send("/new")
    await said(telegram, dave, "What kind of request is it?")
    await dave.send("1")
    offer = await said(telegram, dave, "Is your problem this one?")
    await dave.press(f"mass:{parent}", offer)
    await said(telegram, dave, f"is linked to the known problem #{parent}")

    await bob.send("/broadcast Storage is being replaced", thread_id=topic.thread_id)
    for customer in (alice, carol, dave):
        await said(telegram, customer, "Update on “Archive unavailable”: Storage is being replaced")
    await in_topic(telegram, topic.thread_id, "Update: reached 3 of 3 customers (failed: 0; linked tickets: 2)")

    await bob.send("/solve Storage replaced", thread_id=topic.thread_id)
    for customer in (carol, dave):
        solved = await said(telegram, customer, "solution provided")
        assert "Storage replaced" in text_of(solved)
    await in_topic(telegram, topic.thread_id, "reached 2 of 2 customers")
    updates = [m for c in (alice, carol, dave) for m in c.inbox() if "Storage is being replaced" in text_of(m)]
    assert len(updates) == 3  # each customer once

    await bob.send("/link 999999", thread_id=topic.thread_id)
    refused = await fake.wait_for(
        lambda: next((m for m in fake.thread_messages(topic.thread_id) if "Not done" in text_of(m)), None), "a refusal"
    )
    assert "not an open mass incident" in text_of(refused) or "no ticket #999999" in text_of(refused)


async def test_the_card_shows_the_level_and_a_breach_is_posted_once(telegram: Telegram) -> None:
    await premium_by_default(telegram.settings.core)
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Camera down")
    topic = await topic_of(telegram, number)
    card = await in_topic(telegram, topic.thread_id, f"Request #{number}")
    assert "Level: premium" in text_of(card)
    assert "first response: 29 min left" in text_of(card) or "first response: 30 min left" in text_of(card)

    await clocks_due_now(telegram.settings.core, "first_response")
    await in_topic(telegram, topic.thread_id, "SLA breached: first response was due at")
    general = await fake.wait_for(
        lambda: [c for c in fake.calls_to("sendMessage") if "SLA breached in #" in c.params.get("text", "")], "General"
    )
    assert "message_thread_id" not in general[0].params
    await asyncio.sleep(0.5)  # a few more timer passes
    breaches = [m for m in fake.thread_messages(topic.thread_id) if "SLA breached" in text_of(m)]
    assert (
        len(breaches) == 1
        and len([c for c in fake.calls_to("sendMessage") if "SLA breached in #" in c.params.get("text", "")]) == 1
    )
