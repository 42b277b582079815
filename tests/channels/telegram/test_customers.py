"""Customers' side details: language, status lookups, replies that pick the ticket, files too large."""

from __future__ import annotations

import pytest

from tests.support.telegram import Telegram
from tests.support.telegram_steps import open_ticket, said, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


async def test_russian_users_are_answered_in_russian(telegram: Telegram) -> None:
    ivan = telegram.fake.user("Иван", language_code="ru")
    await ivan.send("/start")
    greeting = await said(telegram, ivan, "Здравствуйте!")
    labels = [b["text"] for row in greeting["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Новое обращение", "Мои обращения"]


async def test_status_shows_only_the_customers_own_tickets(telegram: Telegram) -> None:
    fake = telegram.fake
    alice, mallory = fake.user("Alice"), fake.user("Mallory")
    number = await open_ticket(telegram, alice, "Camera down")
    await alice.send(f"/status {number}")
    await said(telegram, alice, "Status: New")
    await mallory.send(f"/status {number}")
    answer = await said(telegram, mallory, "was not found")
    assert "Camera" not in text_of(answer)
    await alice.press("menu:list", alice.inbox()[-1])
    await said(telegram, alice, f"#{number} · Incident · Camera down")


async def test_a_reply_to_a_tickets_message_goes_to_that_ticket(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    first = await open_ticket(telegram, alice, "Printer")
    second = await open_ticket(telegram, alice, "Scanner")
    assert second == first + 1
    topic_first, topic_second = await topic_of(telegram, first), await topic_of(telegram, second)
    bob = fake.agent("Bob")
    await bob.send("Which model?", thread_id=topic_first.thread_id)
    question = await said(telegram, alice, "Which model?")
    await telegram.settled()  # the sent message's id is recorded just after Telegram accepts it
    await alice.send("HP 400", reply_to=question["message_id"])
    await fake.wait_for(
        lambda: any(text_of(m) == "HP 400" for m in fake.thread_messages(topic_first.thread_id)),
        "the answer in the first ticket's topic",
    )
    assert all(text_of(m) != "HP 400" for m in fake.thread_messages(topic_second.thread_id))
    assert "several open requests" not in text_of(alice.inbox()[-1])


async def test_the_same_message_twice_is_stored_once(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    message = alice.message(text="/start")
    await fake.push(fake.new_update(message=message))
    await fake.push(fake.new_update(message=message))  # a new update_id, the same message
    await said(telegram, alice, "Hello!")
    await telegram.settled()
    assert len(alice.inbox()) == 1


@pytest.fixture
def telegram_overrides() -> dict[str, int]:
    return {"max_file_size": 1000, "telegram_chat_per_second": 50}


async def test_a_file_over_the_limit_is_refused_and_its_words_kept(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Logs")
    topic = await topic_of(telegram, number)
    await alice.send_document(bytes(5000), "huge.log", caption="Here is the log")
    await said(telegram, alice, "“huge.log” is too large")
    await fake.wait_for(
        lambda: any("Here is the log" in text_of(m) for m in fake.thread_messages(topic.thread_id)),
        "the caption in the topic",
    )
    assert all("document" not in m for m in fake.thread_messages(topic.thread_id))
