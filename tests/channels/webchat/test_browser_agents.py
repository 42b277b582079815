"""A widget visitor answered from the agents' Telegram forum group, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.async_api import Browser, FilePayload, expect

from core.settings import Settings
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.channels.webchat.images import png_image
from tests.channels.webchat.test_browser import ARTIFACTS, say
from tests.fakes.telegram import FakeTelegram, Topic
from tests.support.servers import serve


async def test_widget_ticket_gets_a_topic_and_card_and_an_agents_reply_comes_back(
    make_settings: Callable[..., AppSettings], migrated: Settings, browser: Browser
) -> None:
    telegram = FakeTelegram()
    async with serve(telegram.app, access_log=False) as api_url:
        settings = make_settings(
            telegram_bot_token=telegram.token, telegram_api_url=api_url, telegram_agent_chat_id=telegram.group_id
        )
        async with serve(build_app(settings)) as url:
            page = await browser.new_page(locale="en-US")
            await page.goto(url + "/")
            await page.get_by_role("button", name="Open support chat").click()
            await say(page, "Hello")
            await page.get_by_role("button", name=re.compile("^Incident")).click()
            await say(page, "Recorder lost its archive")
            await say(page, "Yesterday's recordings of room 4 are gone.")
            await expect(page.get_by_text(re.compile("If you have a screenshot"))).to_be_visible()
            await page.locator("input[type=file]").set_input_files(
                files=[FilePayload(name="archive.png", mimeType="image/png", buffer=png_image())]
            )
            created = page.get_by_text(re.compile(r"Your request #\d+ is registered"))
            await expect(created).to_be_visible()
            number = int(re.search(r"#(\d+)", await created.inner_text()).group(1))  # type: ignore[union-attr]

            def topic_with_card() -> Topic | None:
                topic = next((t for t in telegram.topics.values() if t.name.find(f"#{number} ") >= 0), None)
                return topic if topic and telegram.thread_messages(topic.thread_id) else None

            topic: Topic = await telegram.wait_for(topic_with_card, f"the topic of #{number} with its card")
            assert "Recorder lost its archive" in topic.name
            card = telegram.thread_messages(topic.thread_id)[0]
            assert "Yesterday's recordings of room 4 are gone." in (card.get("text") or "")
            await telegram.wait_for(
                lambda: any(
                    call.files and str(call.params.get("message_thread_id")) == str(topic.thread_id)
                    for call in telegram.calls
                ),
                "the screenshot uploaded into the topic",
            )

            await telegram.agent("Bob").send("A technician restores it from the backup.", thread_id=topic.thread_id)
            await expect(page.get_by_text(re.compile("A technician restores it from the backup"))).to_be_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(Path(ARTIFACTS) / "webchat-agent-reply.png"))
            await page.close()
