"""Accessibility of the widget: axe-core in the page (real Chromium) and the screen-reader basics."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlmodel import col

from core.desk import Agent
from core.models import Ticket
from core.texts import texts
from tests.channels.webchat.conftest import Chat
from tests.channels.webchat.test_browser import say

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
BOB = Agent("Bob")
expect.set_options(timeout=15_000)

RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) }));
}"""


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical findings on the whole page, the widget's shadow root included."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing (./scripts/test runs npm ci)")
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.add_script_tag(path=AXE)
    found: list[dict[str, Any]] = await page.evaluate(RUN_AXE)
    return found


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
async def test_axe_finds_nothing_serious_closed_open_with_choices_and_after_messages(
    chat: Chat, browser: Browser, locale: str
) -> None:
    language = locale[:2]
    box = "Your message" if language == "en" else "Ваше сообщение"
    page = await browser.new_page(locale=locale)
    await page.goto(chat.url + "/")
    launcher = page.locator("button.launcher")
    await expect(launcher).to_be_visible()
    assert await serious_violations(page) == [], "closed launcher"

    await launcher.click()
    await expect(page.locator(".msg.greeting")).to_be_visible()
    assert await serious_violations(page) == [], "open, greeted"

    await say(page, "Hello" if language == "en" else "Здравствуйте", box)
    await expect(page.get_by_role("button", name=texts("type.incident", language))).to_be_enabled()
    assert await serious_violations(page) == [], "open with choices"

    await page.get_by_role("button", name=texts("type.incident", language)).click()
    await say(page, "Card reader", box)
    await say(page, "It is dead since 8:00.", box)
    await page.get_by_role("button", name=texts("nav.skip", language)).click()
    await expect(page.locator(".msg", has_text=re.compile("#\\d+|№\\d+"))).to_have_count(1)
    async with chat.services.sessions() as session:
        number = (await session.execute(select(col(Ticket.number)))).scalar_one()
    await chat.services.desk.reply(number, BOB, "A technician is on the way.")
    await chat.services.desk.solve(number, BOB, "Replaced the reader.")
    await expect(page.get_by_text("Replaced the reader.", exact=False)).to_be_visible()
    assert await serious_violations(page) == [], "after messages, a status change and stale choices"
    await page.close()


async def test_screen_reader_basics_names_live_log_and_expanded_state(chat: Chat, browser: Browser) -> None:
    page = await browser.new_page(locale="en-US")
    await page.goto(chat.url + "/")
    launcher = page.get_by_role("button", name="Open support chat")
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    await launcher.click()
    await expect(launcher).to_have_attribute("aria-expanded", "true")
    dialog = page.get_by_role("dialog", name="Switchboard support")
    await expect(dialog).to_be_visible()
    log = dialog.get_by_role("log", name="Conversation")
    # New messages are announced: they are added inside a polite live region.
    await expect(log).to_have_attribute("aria-live", "polite")
    await expect(log.locator(".msg.greeting")).to_be_visible()
    await say(page, "Hello")
    options = log.get_by_role("group", name="Options").get_by_role("button")
    await expect(options.first).to_have_accessible_name(texts("type.incident", "en"))
    await expect(log.locator(".msg.out", has_text="Hello")).to_be_visible()
    await expect(dialog.get_by_role("textbox", name="Your message")).to_be_visible()
    for name in ("Send message", "Attach a screenshot or file", "Close chat"):
        await expect(dialog.get_by_role("button", name=name)).to_be_visible()
    # Every message says who wrote it, for a listener who cannot see the bubbles' sides.
    assert await log.locator(".msg .who").all_inner_texts() == ["Support", "You", "Support"]
    await page.close()
