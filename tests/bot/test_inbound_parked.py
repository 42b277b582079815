"""An inbound event that keeps failing is shown to the agents: in its ticket, else in General."""

from __future__ import annotations

import json

import pytest

from core.messages import InboundMessage
from tests.support.customers import CoreCustomer
from tests.support.telegram import Telegram
from tests.support.telegram_steps import text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


async def unreadable(payload: str) -> list[InboundMessage]:
    raise ValueError(f"cannot read {json.loads(payload)['what']}")


async def test_a_parked_event_is_posted_to_general_then_to_the_senders_topic(telegram: Telegram) -> None:
    fake, inbox = telegram.fake, telegram.services.inbox
    inbox.policy.max_attempts, inbox.policy.base_delay = 2, 0.05
    inbox.register("test", unreadable)
    await inbox.store("test", "e1", "nobody-yet", json.dumps({"what": "the first"}))
    general = await fake.wait_for(
        lambda: next(
            (
                m
                for m in fake.calls_to("sendMessage")
                if "message_thread_id" not in m.params and "cannot read the first" in m.params.get("text", "")
            ),
            None,
        ),
        "the parked event in General",
    )
    assert "switchboard inbox retry 1" in general.params["text"] and "test nobody-yet" in general.params["text"]

    ticket = await CoreCustomer(telegram.services, "carol", channel="test").open_ticket("Broken")
    await inbox.store("test", "e2", "carol", json.dumps({"what": "the second"}))
    topic = await topic_of(telegram, ticket.number)
    posted = await fake.wait_for(
        lambda: next(
            (m for m in fake.thread_messages(topic.thread_id) if "cannot read the second" in text_of(m)), None
        ),
        "the parked event in carol's topic",
    )
    assert "switchboard inbox retry 2" in text_of(posted)
