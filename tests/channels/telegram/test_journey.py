"""A customer's whole journey through the real bot, in long-polling and in webhook mode."""

from __future__ import annotations

from tests.fakes.telegram import FakeUser
from tests.support.telegram import Telegram

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def keyboard_data(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


async def said(telegram: Telegram, person: FakeUser, fragment: str) -> dict:
    return await telegram.fake.wait_for(
        lambda: next((m for m in person.inbox() if fragment in (m.get("text") or m.get("caption") or "")), None),
        f"{fragment!r} in {person.user['first_name']}'s chat",
    )


async def test_whole_journey(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice", language_code="en")
    await alice.send("/start")
    greeting = await said(telegram, alice, "Hello! This is the support desk")
    assert keyboard_data(greeting) == ["menu:new", "menu:list"]

    await alice.press("menu:new", greeting)
    question = await said(telegram, alice, "What kind of request is it?")
    assert "type:incident" in keyboard_data(question)
    assert fake.calls_to("answerCallbackQuery")
    await alice.press("type:incident", question)
    await said(telegram, alice, "In a few words")
    await alice.send("Camera <b>is</b> down")
    await said(telegram, alice, "Please describe it in detail")
    await alice.send("The recorder shows a black screen since 9:00.")
    await said(telegram, alice, "If you have a screenshot")
    screenshot = await alice.send_photo(PNG)
    await said(telegram, alice, "Your request #1001 is registered")

    topic = await fake.wait_for(lambda: next(iter(fake.topics.values()), None), "a topic")
    assert topic.name == "🆕 #1001 · Incident · Camera <b>is</b> down"
    posted = await fake.wait_for(
        lambda: len(fake.thread_messages(topic.thread_id)) >= 2 and fake.thread_messages(topic.thread_id),
        "the card and the screenshot",
    )
    card, copy = posted[0], posted[1]
    assert card["text"].startswith("Request #1001")
    assert "Customer: Alice" in card["text"] and "Camera <b>is</b> down" in card["text"]
    assert "parse_mode" not in fake.calls_to("sendMessage")[-1].params  # user text stays text
    assert keyboard_data(card) == ["desk:take:1001", "desk:ask:1001", "desk:solve:1001", "desk:close:1001"]
    assert copy["photo"][0]["file_id"] == screenshot["photo"][-1]["file_id"]
    copy_call = fake.calls_to("copyMessage")[0].params
    assert (copy_call["from_chat_id"], copy_call["message_id"]) == (alice.id, screenshot["message_id"])

    bob = fake.agent("Bob")
    await bob.send("Please restart the recorder.", thread_id=topic.thread_id)
    await said(telegram, alice, "#1001 · Support: Please restart the recorder.")

    await bob.send("/ask Which floor is the camera on?", thread_id=topic.thread_id)
    await said(telegram, alice, "support needs more information.\n\nWhich floor is the camera on?")
    await fake.wait_for(lambda: topic.name.startswith("⏳"), "the topic to show the status")

    await alice.send("Third floor")
    await fake.wait_for(
        lambda: any(m.get("text") == "Third floor" for m in fake.thread_messages(topic.thread_id)),
        "the customer's answer in the topic",
    )

    await bob.send("/solve Replaced the network cable.", thread_id=topic.thread_id)
    await said(telegram, alice, "Request #1001: solution provided.\n\nReplaced the network cable.")
    await fake.wait_for(lambda: topic.name.startswith("✅"), "the topic to show solved")
    assert [row.number for row in await telegram.tickets()] == [1001]
    assert all(row.status == "sent" for row in await telegram.settled())
