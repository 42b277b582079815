"""The live card in a ticket's topic: edited in place after every change, buttons following the status."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.telegram import FakeTelegram
from tests.support.contracts import clocks_due_now, premium_by_default
from tests.support.telegram import LOOSE_LIMITS, Telegram
from tests.support.telegram_steps import in_topic, open_ticket, said, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


def card_of(fake: FakeTelegram, thread_id: int) -> dict[str, Any]:
    return fake.thread_messages(thread_id)[0]


def buttons(card: dict[str, Any]) -> list[str]:
    return [
        b["callback_data"].split(":")[1]
        for row in (card.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]


async def card_says(telegram: Telegram, thread_id: int, *fragments: str) -> dict[str, Any]:
    fake = telegram.fake

    def shown() -> dict[str, Any] | None:
        card = card_of(fake, thread_id)
        return card if all(f in text_of(card) for f in fragments) else None

    try:
        card: dict[str, Any] = await fake.wait_for(shown, f"the card showing {fragments}")
    except AssertionError as error:
        raise AssertionError(f"{error}\nthe card shows:\n{text_of(card_of(fake, thread_id))}") from None
    return card


async def test_the_card_follows_take_type_assign_solve_and_close(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    earlier = await open_ticket(telegram, alice, "Printer jam")
    number = await open_ticket(telegram, alice, "Badge reader")
    topic = await topic_of(telegram, number)
    first = await card_says(telegram, topic.thread_id, "Status: New", "Assignee: nobody yet", "Customer: Alice")
    assert "Channel: Telegram" in text_of(first) and f"Earlier: 1 request: #{earlier}" in text_of(first)
    link = next(e for e in first["entities"] if e["type"] == "text_link")
    assert link["url"].startswith("https://t.me/c/1234567890/")
    assert buttons(first) == ["take", "ask", "solve", "close"]
    card_id = first["message_id"]

    bob, oleg = fake.agent("Bob"), fake.agent("Oleg")
    await oleg.send("I am here too", thread_id=topic.thread_id)  # Oleg is now an agent the bot has seen
    await said(telegram, alice, "I am here too")
    await bob.send("/take", thread_id=topic.thread_id)
    card = await card_says(telegram, topic.thread_id, "Status: In progress", "Assignee: Bob")
    bob_mention = next(e for e in card["entities"] if e["type"] == "text_mention")
    assert bob_mention["user"]["id"] == bob.id
    assert buttons(card) == ["ask", "solve", "close"]  # no "Take" once taken
    await in_topic(telegram, topic.thread_id, f"#{number} is yours, Bob.")
    await bob.send("/take", thread_id=topic.thread_id)
    await in_topic(telegram, topic.thread_id, f"#{number} is already yours.")

    await bob.send("/type consultation", thread_id=topic.thread_id)
    await card_says(telegram, topic.thread_id, "Type: Consultation")
    await in_topic(telegram, topic.thread_id, f"#{number} is now: Consultation.")

    await bob.send("/assign @nobody_here", thread_id=topic.thread_id)
    await in_topic(telegram, topic.thread_id, "has not posted in this group yet")
    mention = {"type": "text_mention", "offset": 8, "length": 4, "user": oleg.user}
    message = bob.message(
        text="/assign Oleg",
        entities=[{"type": "bot_command", "offset": 0, "length": 7}, mention],
        thread_id=topic.thread_id,
    )
    await fake.push(fake.new_update(message=message))
    card = await card_says(telegram, topic.thread_id, "Assignee: Oleg")
    assert next(e for e in card["entities"] if e["type"] == "text_mention")["user"]["id"] == oleg.id

    await bob.send("/solve Replaced the reader", thread_id=topic.thread_id)
    card = await card_says(telegram, topic.thread_id, "Status: Solution provided")
    assert buttons(card) == ["close", "reopen"]
    await bob.send("/close", thread_id=topic.thread_id)
    card = await card_says(telegram, topic.thread_id, "Status: Closed")
    assert buttons(card) == ["reopen"] and card["message_id"] == card_id  # the same message, edited
    await alice.press(f"rate:{number}:5", await said(telegram, alice, "How would you rate"))
    await card_says(telegram, topic.thread_id, "Rating: 5 of 5")
    again = await bob.send("/close", thread_id=topic.thread_id)  # the topic is closed: a shrug, not silence
    await fake.wait_for(lambda: again.get("bot_reaction") == ["🤷"], "the refusal's reaction")
    await bob.send("/reopen", thread_id=topic.thread_id)
    await fake.wait_for(lambda: not topic.closed, "the topic reopened")
    await bob.send("/reopen", thread_id=topic.thread_id)
    await in_topic(telegram, topic.thread_id, f"#{number} is already in progress.")
    status_lines = [text_of(m) for m in fake.thread_messages(topic.thread_id) if text_of(m).startswith("Status:")]
    assert "Status: Solution provided → Closed, by Bob" in status_lines
    assert not any("agent:" in line for line in status_lines)


async def test_a_burst_of_changes_costs_one_edit(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Door")
    topic = await topic_of(telegram, number)
    card_id = card_of(fake, topic.thread_id)["message_id"]
    bob = fake.agent("Bob")
    for command in ("/take", "/type consultation", "/note called them", "/type feature"):
        await bob.send(command, thread_id=topic.thread_id)
    await card_says(telegram, topic.thread_id, "Type: Feature request", "Assignee: Bob")
    await telegram.settled()
    edits = [e for e in fake.edits if e["message_id"] == card_id]
    assert len(edits) < 3, [text_of(e) for e in edits]  # four changes, coalesced
    note = next(m for m in fake.messages.values() if m.get("text") == "/note called them")
    assert note.get("bot_reaction") == ["👍"]  # a note answers with a reaction, not silence


async def test_a_mass_close_moves_linked_tickets_cards_and_topics(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, carol = fake.user("Alice"), fake.user("Carol")
    parent = await open_ticket(telegram, alice, "Archive unavailable")
    child = await open_ticket(telegram, carol, "No recordings")
    parent_topic, child_topic = await topic_of(telegram, parent), await topic_of(telegram, child)
    bob = fake.agent("Bob")
    await bob.send("/mass", thread_id=parent_topic.thread_id)
    await bob.send(f"/link {child}", thread_id=parent_topic.thread_id)
    card = await card_says(telegram, parent_topic.thread_id, "Type: Mass incident", f"Linked: 1 request: #{child}")
    assert any(e["type"] == "text_link" for e in card["entities"])
    await card_says(telegram, child_topic.thread_id, f"Linked to the mass incident #{parent}")

    dave = fake.user("Dave")  # joins from the offer: counted on the card, no topic of its own
    await dave.send("/new")
    await said(telegram, dave, "What kind of request is it?")
    await dave.send("1")
    await dave.press(f"mass:{parent}", await said(telegram, dave, "Is your problem this one?"))
    await said(telegram, dave, f"is linked to the known problem #{parent}")
    await card_says(telegram, parent_topic.thread_id, "Linked: 2 requests")
    await telegram.settled()
    assert len(fake.topics) == 2
    joined = text_of(await said(telegram, dave, "is linked to the known problem"))
    daves = int(joined.split("#")[1].split(" ")[0])
    await bob.send(f"/open {daves}")  # agents can still open any of them
    opened = await fake.wait_for(
        lambda: next((m for m in fake.chat_messages(fake.group_id) if text_of(m).startswith(f"#{daves}: https")), None),
        "the link to the opened topic",
    )
    dave_topic = await topic_of(telegram, daves)
    assert text_of(opened).endswith(f"/{dave_topic.thread_id}")
    await card_says(telegram, dave_topic.thread_id, f"Linked to the mass incident #{parent}", "Customer: Dave")

    await bob.send("/close Storage replaced", thread_id=parent_topic.thread_id)
    await said(telegram, carol, "is closed")
    await card_says(telegram, child_topic.thread_id, "Status: Closed")
    await fake.wait_for(lambda: child_topic.closed and child_topic.name.startswith("🔒"), "the linked topic closed")

    await bob.send("/reopen not yet", thread_id=parent_topic.thread_id)
    await card_says(telegram, child_topic.thread_id, "Status: In progress")
    await fake.wait_for(
        lambda: not child_topic.closed and child_topic.name.startswith("🔧"), "the linked topic reopened"
    )


async def test_help_and_the_command_menus(telegram: Telegram) -> None:
    fake = telegram.fake
    bob = fake.agent("Bob")
    await bob.send("/help")
    answer = await fake.wait_for(
        lambda: next((m for m in fake.chat_messages(fake.group_id) if "/assign" in text_of(m)), None), "the help"
    )
    assert "/take — take the request" in text_of(answer) and "/note — an internal note" in text_of(answer)
    group = {"type": "chat", "chat_id": fake.group_id}
    english = [c["command"] for c in fake.commands_for(group)]
    assert {"help", "take", "assign", "unassign", "solve", "close", "note", "mass"} <= set(english)
    russian = fake.commands_for(group, "ru")
    assert [c["command"] for c in russian] == english and "взять обращение" in russian[1]["description"]
    private = {"type": "all_private_chats"}
    assert [c["command"] for c in fake.commands_for(private)] == ["start", "new", "list", "status", "cancel"]
    assert fake.commands_for(private, "ru")[1]["description"] == "новое обращение"


@pytest.fixture
def telegram_overrides() -> dict[str, Any]:
    return {**LOOSE_LIMITS, "timers_poll_interval": 0.1}


async def test_an_sla_breach_mentions_the_assignee(telegram: Telegram) -> None:
    await premium_by_default(telegram.settings.core)
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Camera down")
    topic = await topic_of(telegram, number)
    bob = fake.agent("Bob")
    await bob.send("/take", thread_id=topic.thread_id)
    await card_says(telegram, topic.thread_id, "Assignee: Bob", "resolution:")
    await clocks_due_now(telegram.settings.core, "resolution")
    breach = await in_topic(telegram, topic.thread_id, "SLA breached: resolution")
    assert "Assignee: Bob." in text_of(breach)
    [mentioned] = [e for e in breach["entities"] if e["type"] == "text_mention"]
    assert mentioned["user"]["id"] == bob.id
    await card_says(telegram, topic.thread_id, "resolution: overdue")
