"""The widget used with the keyboard alone, in a real browser (system Chromium) against the real app."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlmodel import col

from core.models import Ticket
from core.texts import texts
from tests.channels.webchat.conftest import Chat

expect.set_options(timeout=15_000)

FOCUSED = """() => {
  let node = document.activeElement;
  while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
  if (!node || node === document.body) return "(page body)";
  return node.getAttribute("aria-label") || node.textContent.trim();
}"""


async def focused(page: Page) -> str:
    """The accessible name of the element keyboard input goes to, looking inside the widget's shadow root."""
    name: str = await page.evaluate(FOCUSED)
    return name


async def tab_to(page: Page, name: str, key: str = "Tab", limit: int = 15) -> None:
    for _ in range(limit):
        await page.keyboard.press(key)
        if await focused(page) == name:
            return
    raise AssertionError(f"{key} never reached {name!r}; focus is on {await focused(page)!r}")


async def choose(page: Page, name: str) -> None:
    """Back from the text box to the offered choice `name` with Shift+Tab, and press Enter on it."""
    await expect(page.get_by_role("button", name=name)).to_be_enabled()
    await tab_to(page, name, "Shift+Tab")
    await page.keyboard.press("Enter")


async def test_a_choice_made_with_the_keyboard_keeps_what_is_typed_next(chat: Chat, browser: Browser) -> None:
    page = await browser.new_page(locale="en-US")
    await page.goto(chat.url + "/")
    await tab_to(page, "Open support chat")
    await page.keyboard.press("Enter")
    assert await focused(page) == "Your message"
    await page.keyboard.type("Hello")
    await page.keyboard.press("Enter")
    await choose(page, texts("type.incident", "en"))
    # No wait for the next question: what the visitor types at once must land in the text box.
    assert await focused(page) == "Your message"
    await page.keyboard.type("Card reader is dead")
    await page.keyboard.press("Enter")
    await expect(page.get_by_text(re.compile("describe it in detail"))).to_be_visible()
    await page.keyboard.type("No card is accepted since 8:00.")
    await page.keyboard.press("Enter")
    await choose(page, texts("nav.skip", "en"))
    await expect(page.get_by_text(re.compile("is registered"))).to_be_visible()
    assert await focused(page) == "Your message"

    async with chat.services.sessions() as session:
        assert (await session.execute(select(col(Ticket.subject)))).scalars().all() == ["Card reader is dead"]
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog")).to_be_hidden()
    assert await focused(page) == "Open support chat"
    await page.close()
