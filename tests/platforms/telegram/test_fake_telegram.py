"""The fake Bot API answers aiogram like Telegram does, so the bot's tests mean something."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from platforms.telegram.session import BotSession
from tests.fakes.telegram import FakeTelegram
from tests.support.servers import serve


@pytest.fixture
async def fake_bot() -> AsyncIterator[tuple[FakeTelegram, Bot]]:
    fake = FakeTelegram()
    async with serve(fake.app, access_log=False) as url:
        bot = Bot(fake.token, session=BotSession(url))
        try:
            yield fake, bot
        finally:
            await bot.session.close()


async def test_messages_keyboards_and_files_round_trip(fake_bot: tuple[FakeTelegram, Bot]) -> None:
    fake, bot = fake_bot
    alice = fake.user("Alice")
    me = await bot.get_me()
    assert me.is_bot and me.username == "switchboard_test_bot"
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Take", callback_data="take:1")]])
    sent = await bot.send_message(alice.id, "hi <b>", reply_markup=markup)
    assert alice.texts() == ["hi <b>"]
    assert fake.calls_to("sendMessage")[0].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "take:1"
    photo = await bot.send_photo(alice.id, BufferedInputFile(b"PNGDATA", "s.png"), caption="look")
    assert photo.photo and photo.caption == "look"
    file = await bot.get_file(photo.photo[-1].file_id)
    assert file.file_path
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"PNGDATA"
    edited = await bot.edit_message_text("bye", chat_id=alice.id, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "bye"


async def test_errors_have_telegram_shapes(fake_bot: tuple[FakeTelegram, Bot]) -> None:
    fake, bot = fake_bot
    alice = fake.user("Alice")
    fake.blocked.add(alice.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(42, "hi")
    fake.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(fake.group_id, "hi")
    assert retry.value.retry_after == 3
    fake.limit("group", 2, per=60)
    await bot.send_message(fake.group_id, "one")
    await bot.send_message(fake.group_id, "two")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(fake.group_id, "three")


async def test_forum_topics_and_group_lookups(fake_bot: tuple[FakeTelegram, Bot]) -> None:
    fake, bot = fake_bot
    agent = fake.agent("Bob")
    chat = await bot.get_chat(fake.group_id)
    assert chat.is_forum
    member = await bot.get_chat_member(fake.group_id, agent.id)
    assert member.status == "member"
    topic = await bot.create_forum_topic(fake.group_id, "#1001 · Incident · Camera")
    await bot.send_message(fake.group_id, "card", message_thread_id=topic.message_thread_id)
    assert [m["text"] for m in fake.thread_messages(topic.message_thread_id)] == ["card"]
    await bot.close_forum_topic(fake.group_id, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(fake.group_id, "x", message_thread_id=topic.message_thread_id)
    fake.delete_topic(topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(fake.group_id, "x", message_thread_id=topic.message_thread_id)


async def test_get_updates_long_polls_with_offsets(fake_bot: tuple[FakeTelegram, Bot]) -> None:
    fake, bot = fake_bot
    alice = fake.user("Alice", language_code="ru")
    await alice.send("/start")
    await alice.send("hello")
    updates = await bot.get_updates(timeout=1)
    assert [u.message.text for u in updates if u.message] == ["/start", "hello"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []
    assert await bot.set_webhook("https://example.com/telegram/webhook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.com/telegram/webhook"
