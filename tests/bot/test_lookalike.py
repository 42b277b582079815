"""Mass-incident detection in the agents' group: one suggestion, edited as reports arrive, and its button."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import col, select

from core.models import Ticket
from tests.support.telegram import Telegram
from tests.support.telegram_steps import open_ticket, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


def suggestions(telegram: Telegram) -> list[dict[str, Any]]:
    fake = telegram.fake
    return [m for m in fake.chat_messages(fake.group_id) if "look alike" in text_of(m)]


async def test_alike_reports_get_one_suggestion_that_makes_a_mass_incident(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, carol, dave, erin = (fake.user(name) for name in ("Alice", "Carol", "Dave", "Erin"))
    numbers = [
        await open_ticket(telegram, alice, "Archive not recording"),
        await open_ticket(telegram, carol, "Cameras stopped recording to the archive"),
        await open_ticket(telegram, dave, "Printer on floor 3 jams"),  # unrelated: stays out
        await open_ticket(telegram, erin, "No recordings in the video archive"),
    ]
    first = await fake.wait_for(lambda: suggestions(telegram), "a suggestion in the General topic")
    assert "message_thread_id" not in first[0]
    text = text_of(first[0])
    assert "3 reports in" in text and all(f"#{n}" in text for n in (numbers[0], numbers[1], numbers[3]))
    assert f"#{numbers[2]}" not in text

    frank = fake.user("Frank")
    numbers.append(await open_ticket(telegram, frank, "archive recording not working"))
    await fake.wait_for(lambda: "4 reports in" in text_of(suggestions(telegram)[0]), "the suggestion edited")
    assert len(suggestions(telegram)) == 1  # edited, not repeated

    bob = fake.agent("Bob")
    await bob.press(button_data(suggestions(telegram)[0]), suggestions(telegram)[0])
    await fake.wait_for(lambda: "made #" in text_of(suggestions(telegram)[0]), "the suggestion marked done")
    linked = f"#{numbers[1]}, #{numbers[3]}, #{numbers[4]}"
    assert f"Bob made #{numbers[0]} the mass incident; linked: {linked}." in text_of(suggestions(telegram)[0])
    assert "reply_markup" not in suggestions(telegram)[0] or not suggestions(telegram)[0]["reply_markup"]
    await telegram.settled()
    rows = await telegram.query(select(Ticket.number, Ticket.type, Ticket.parent_id).order_by(col(Ticket.id)))
    by_number = {row.number: row for row in rows}
    parent = by_number[numbers[0]]
    assert parent.type == "mass_incident" and parent.parent_id is None
    parent_id = (await telegram.query(select(Ticket.id).where(col(Ticket.number) == numbers[0])))[0].id
    assert [n for n in numbers if by_number[n].parent_id == parent_id] == [numbers[1], numbers[3], numbers[4]]
    assert by_number[numbers[2]].parent_id is None
    topic = await topic_of(telegram, numbers[0])
    await fake.wait_for(
        lambda: any("Linked: 3" in text_of(m) for m in fake.thread_messages(topic.thread_id)), "the links in the topic"
    )


def button_data(message: dict[str, Any]) -> str:
    markup = message["reply_markup"]
    markup = markup if isinstance(markup, dict) else json.loads(markup)
    return str(markup["inline_keyboard"][0][0]["callback_data"])
