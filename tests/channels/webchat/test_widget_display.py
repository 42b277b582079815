"""What the widget shows, in a real browser (system Chromium) against the real app."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Browser, Route, expect

from core.texts import texts
from tests.channels.webchat.conftest import Chat
from tests.channels.webchat.images import png_image
from tests.channels.webchat.test_browser import say

expect.set_options(timeout=15_000)

SETTLED = """async (img) => {
  await img.decode();
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""


async def test_the_newest_message_stays_in_view_when_an_image_above_it_loads(chat: Chat, browser: Browser) -> None:
    page = await browser.new_page(locale="en-US")

    async def slowly(route: Route) -> None:
        await asyncio.sleep(1.0)  # the ticket number is drawn (and scrolled to) before the image arrives
        await route.continue_()

    await page.route(re.compile(r"/webchat/files/"), slowly)
    await page.goto(chat.url + "/")
    await page.get_by_role("button", name="Open support chat").click()
    await say(page, "Hello")
    await page.get_by_role("button", name=texts("type.incident", "en")).click()
    await expect(page.get_by_text(re.compile("what is it about"))).to_be_visible()
    await say(page, "Card reader is dead")
    await expect(page.get_by_text(re.compile("describe it in detail"))).to_be_visible()
    await say(page, "No card is accepted at the front door since 8:00.")
    await expect(page.get_by_text(re.compile("If you have a screenshot"))).to_be_visible()
    await page.locator("input[type=file]").set_input_files(
        files=[{"name": "door.png", "mimeType": "image/png", "buffer": png_image(400, 600)}]
    )
    registered = page.locator(".msg", has_text=re.compile("is registered"))
    await expect(registered).to_be_visible()
    image = page.locator(".msg.out img")
    await expect(image).to_have_count(1)
    await image.evaluate(SETTLED)

    log_box = await page.get_by_role("log").bounding_box()
    message_box = await registered.bounding_box()
    image_box = await image.bounding_box()
    assert log_box and message_box and image_box
    assert image_box["height"] > 200, "the image must be tall enough to push the log"
    assert log_box["y"] <= message_box["y"], (log_box, message_box)
    assert message_box["y"] + message_box["height"] <= log_box["y"] + log_box["height"] + 1, (log_box, message_box)
    await page.close()
