"""The widget in a real browser (system Chromium) against the real app."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from playwright.async_api import Browser, FilePayload, Page, expect
from sqlalchemy import func
from sqlmodel import col, select

from core.desk import Agent
from core.models import Message, Ticket
from core.texts import texts
from tests.channels.webchat.conftest import Chat
from tests.channels.webchat.images import png_image
from tests.channels.webchat.proxy import proxy_to

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BOB = Agent("Bob")
expect.set_options(timeout=15_000)


async def say(page: Page, text: str, box_name: str = "Your message") -> None:
    box = page.get_by_role("textbox", name=box_name)
    await box.fill(text)
    await box.press("Enter")


async def report_with_screenshot(page: Page, image: bytes) -> None:
    """In the open widget: an incident's intake with a screenshot, until its number is shown."""
    await say(page, "Hello")
    await page.get_by_role("button", name=texts("type.incident", "en")).click()
    await expect(page.get_by_text(re.compile("what is it about"))).to_be_visible()
    await say(page, "Card reader is dead")
    await expect(page.get_by_text(re.compile("describe it in detail"))).to_be_visible()
    await say(page, "No card is accepted at the front door since 8:00.")
    await expect(page.get_by_text(re.compile("If you have a screenshot"))).to_be_visible()
    await page.locator("input[type=file]").set_input_files(
        files=[FilePayload(name="door.png", mimeType="image/png", buffer=image)]
    )
    await expect(page.get_by_text(re.compile("is registered"))).to_be_visible()


async def test_html_typed_by_a_visitor_shows_as_text_and_keyboard_works(chat: Chat, browser: Browser) -> None:
    page = await browser.new_page(locale="en-US")
    await page.goto(chat.url + "/")
    await page.get_by_role("button", name="Open support chat").click()
    payload = '<img src=x onerror="window.__owned=1"><b>bold</b>'
    await say(page, payload)
    mine = page.locator(".msg.out:not(.pending) .text")
    await expect(mine).to_have_text([payload])
    await expect(page.locator(".msg.bot:not(.greeting)").first).to_contain_text(texts("ask.type", "en"))
    assert await page.locator(".log img, .log b").count() == 0
    assert await page.evaluate("window.__owned") is None
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog")).to_be_hidden()
    await page.close()


async def test_accessible_names_follow_the_visitors_language(chat: Chat, browser: Browser) -> None:
    page = await browser.new_page(locale="ru-RU")
    await page.goto(chat.url + "/")
    await page.get_by_role("button", name="Открыть чат поддержки").click()
    await expect(page.get_by_role("textbox", name="Ваше сообщение")).to_be_visible()
    for name in ("Отправить сообщение", "Приложить скриншот или файл", "Закрыть чат"):
        await expect(page.get_by_role("button", name=name)).to_be_visible()
    await say(page, "Здравствуйте", "Ваше сообщение")
    choice = texts("type.incident", "ru")
    await expect(page.get_by_role("group", name="Варианты").get_by_role("button", name=choice)).to_be_visible()
    await page.close()


async def test_intake_with_a_screenshot_agent_reply_reload_and_a_dropped_connection(
    chat: Chat, browser: Browser
) -> None:
    async with proxy_to(chat.url) as (proxy, url):
        page = await browser.new_page(locale="en-US")
        await page.goto(url + "/")
        await page.get_by_role("button", name="Open support chat").click()
        await report_with_screenshot(page, png_image())
        await expect(page.locator(".msg.out img")).to_have_count(1)
        async with chat.services.sessions() as session:
            number = (await session.execute(select(Ticket.number))).scalar_one()

        await chat.services.desk.reply(number, BOB, "We are sending a technician.")
        await expect(page.get_by_text(re.compile("We are sending a technician"))).to_be_visible()
        # The first reply also moves the ticket to "in progress": that notice follows the words.
        await expect(page.get_by_text(re.compile("the status is now “In progress”"))).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "webchat-open.png"))

        shown = await page.locator(".msg:not(.greeting)").all_inner_texts()
        await page.reload()
        await page.get_by_role("button", name=re.compile("Open support chat")).click()
        await expect(page.locator(".msg")).to_have_count(len(shown))
        assert await page.locator(".msg").all_inner_texts() == shown

        proxy.cut()
        await expect(page.locator(".status")).to_have_text("Connecting…")
        await chat.services.desk.reply(number, BOB, "Technician left the office.")
        await say(page, "Typed while offline")
        await expect(page.locator(".msg.pending")).to_have_count(1)
        await chat.services.desk.reply(number, BOB, "Technician is at the door.")
        proxy.restore()
        await expect(page.locator(".msg.pending")).to_have_count(0)
        for text in ("Technician left the office.", "Technician is at the door.", "Typed while offline"):
            await expect(page.get_by_text(re.compile(re.escape(text)))).to_have_count(1)
        await expect(page.locator(".msg")).to_have_count(len(shown) + 3)
        # The widget shows a message as sent once the server has stored it; the core takes it after.
        query = select(func.count()).select_from(Message).where(col(Message.text) == "Typed while offline")
        for _ in range(100):
            async with chat.services.sessions() as session:
                if (stored := (await session.execute(query)).scalar()) != 0:
                    break
            await asyncio.sleep(0.05)
        assert stored == 1
        await page.close()
