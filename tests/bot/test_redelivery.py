"""Telegram may deliver an agent's update twice: the action it asks for is done once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import Message, TicketEvent
from tests.support.telegram import Telegram
from tests.support.telegram_steps import open_ticket, said, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["webhook"])


async def test_a_redelivered_agent_reply_reaches_the_customer_once(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, bob = fake.user("Alice"), fake.agent("Bob")
    number = await open_ticket(telegram, alice, "Printer jams")
    topic = await topic_of(telegram, number)
    update = fake.new_update(message=bob.message(text="Open the back tray, please", thread_id=topic.thread_id))
    assert await fake.push(update) == 200
    assert await fake.redeliver(update) == 200
    await said(telegram, alice, "Open the back tray")
    await telegram.settled()
    assert sum("Open the back tray" in text_of(m) for m in alice.inbox()) == 1
    stored = await telegram.query(select(Message.id).where(Message.text == "Open the back tray, please"))
    assert len(stored) == 1


async def test_a_redelivered_command_and_button_press_act_once(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, bob = fake.user("Alice"), fake.agent("Bob")
    number = await open_ticket(telegram, alice, "Badge reader")
    topic = await topic_of(telegram, number)
    card = fake.thread_messages(topic.thread_id)[0]
    note = fake.new_update(message=bob.message(text="/note Called the vendor", thread_id=topic.thread_id))
    note["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len("/note")}]
    press = await bob.press(f"desk:take:{number}", card)
    assert await fake.redeliver(press) == 200
    assert await fake.push(note) == 200
    assert await fake.redeliver(note) == 200
    await telegram.settled()
    events = await telegram.query(select(TicketEvent.kind).where(TicketEvent.kind.in_(["note", "assigned"])))  # type: ignore[attr-defined]
    assert sorted(row.kind for row in events) == ["assigned", "note"]
