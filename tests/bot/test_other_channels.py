"""Tickets from other channels show up in the agents' group too; their files are uploaded."""

from __future__ import annotations

import pytest

from tests.support.customers import CoreCustomer, png
from tests.support.telegram import Telegram
from tests.support.telegram_steps import text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


async def test_a_web_customers_ticket_and_files_reach_the_topic(telegram: Telegram) -> None:
    fake = telegram.fake
    visitor = CoreCustomer(telegram.services, "visitor-1", channel="test")
    ticket = await visitor.open_ticket("Checkout fails")
    topic = await topic_of(telegram, ticket.number)
    card = fake.thread_messages(topic.thread_id)[0]
    assert "Channel: test" in text_of(card) and "Customer: Visitor-1" in text_of(card)
    picture = png(128)
    await visitor.say("Here is the error", files=[picture])
    posted = await fake.wait_for(
        lambda: next((m for m in fake.thread_messages(topic.thread_id) if "photo" in m), None),
        "the uploaded screenshot",
    )
    assert text_of(posted) == "Visitor-1: Here is the error"
    upload = next(c for c in fake.calls_to("sendPhoto"))
    assert next(iter(upload.files.values()))[1] == picture.content
