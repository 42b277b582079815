"""The agents' side: commands, card buttons, files both ways, who may act, and groups without topics."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from core.models import Attachment, Direction, Message, Ticket
from tests.support.telegram import Telegram
from tests.support.telegram_steps import in_topic, open_ticket, said, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


async def test_agent_commands_elsewhere_are_refused(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Badge reader")
    await alice.send(f"/close {number}")
    await said(telegram, alice, "This command is for support agents")
    outsider = fake.user("Mallory")
    await outsider.send("/solve done")
    await said(telegram, outsider, "This command is for support agents")
    bob = fake.agent("Bob")
    await bob.send("/take")  # in the group, but in no ticket's topic
    await fake.wait_for(
        lambda: any("inside a request's topic" in text_of(m) for m in fake.chat_messages(fake.group_id)), "the hint"
    )
    assert [row.status for row in await telegram.tickets()] == ["new"]


async def test_notes_stay_internal_and_buttons_act(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Projector")
    topic = await topic_of(telegram, number)
    bob = fake.agent("Bob")
    await bob.send("/note Customer is a VIP", thread_id=topic.thread_id)
    await bob.send("/type consultation", thread_id=topic.thread_id)
    card = fake.thread_messages(topic.thread_id)[0]
    await bob.press(f"desk:take:{number}", card)
    await said(telegram, alice, "In progress")
    await bob.press(f"desk:ask:{number}", card)
    prompt = await fake.wait_for(
        lambda: next((m for m in fake.thread_messages(topic.thread_id) if "write your question" in text_of(m)), None),
        "the reply prompt",
    )
    asked = fake.calls_to("sendMessage")[-1].params
    assert asked["reply_markup"]["force_reply"] is True and asked["reply_markup"]["input_field_placeholder"]
    await bob.send("Which room is it in?", thread_id=topic.thread_id, reply_to=prompt["message_id"])
    await said(telegram, alice, "Which room is it in?")
    await telegram.settled()
    assert all("VIP" not in text for text in alice.texts())
    notes = await telegram.query(select(Message.text).where(col(Message.direction) == Direction.NOTE))
    assert [row.text for row in notes] == ["Customer is a VIP"]
    ticket = (await telegram.query(select(Ticket.type, Ticket.assignee)))[0]
    assert (ticket.type, ticket.assignee) == ("consultation", "Bob")
    assert (await telegram.tickets())[0].status == "waiting_customer"
    line = await in_topic(telegram, topic.thread_id, "→ Waiting for the customer, by Bob")  # agents' words
    assert "Waiting for your reply" not in text_of(line)
    await bob.press(f"desk:close:{number}", card)
    await said(telegram, alice, f"Request #{number} is closed")
    await fake.wait_for(lambda: topic.closed and topic.name.startswith("🔒"), "the topic closed")
    await bob.send("/reopen one more thing", thread_id=topic.thread_id)  # closed topic: agents can still post
    await fake.wait_for(lambda: sum("In progress" in text for text in alice.texts()) == 2, "the reopening notice")
    await fake.wait_for(lambda: not topic.closed and topic.name.startswith("🔧"), "the topic reopened")


async def test_an_agents_photo_is_stored_for_every_channel(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Screen")
    topic = await topic_of(telegram, number)
    bob = fake.agent("Bob")
    picture = b"\x89PNG-agent-picture"
    await bob.send_photo(picture, caption="Is it this one?", thread_id=topic.thread_id)
    sent = await said(telegram, alice, "Is it this one?")
    assert "photo" in sent
    stored = (await telegram.query(select(Attachment.storage_key).where(col(Attachment.storage_key).is_not(None))))[0]
    assert telegram.services.files.read(stored.storage_key) == picture
