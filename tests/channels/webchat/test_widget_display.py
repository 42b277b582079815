"""What the widget shows, in a real browser (system Chromium) against the real app."""

from __future__ import annotations

import asyncio
import re

import httpx
from playwright.async_api import Browser, Route, expect
from starlette.responses import HTMLResponse

from channels.webchat.texts import texts as webchat_texts
from core.texts import texts
from tests.channels.webchat.conftest import Chat, StartChat
from tests.channels.webchat.images import png_image
from tests.channels.webchat.test_browser import report_with_screenshot, say
from tests.support.servers import serve

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
    await report_with_screenshot(page, png_image(400, 600))
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


async def test_first_open_greets_in_the_widgets_language_with_its_title_and_no_request_fails(
    chat: Chat, browser: Browser
) -> None:
    page = await browser.new_page(locale="ru-RU")
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    await page.goto(chat.url + "/")
    await page.get_by_role("button", name="Открыть чат поддержки").click()
    dialog = page.get_by_role("dialog", name="Поддержка Switchboard")
    await expect(dialog).to_be_visible()
    await expect(dialog.locator(".title")).to_have_text("Поддержка Switchboard")
    await expect(page.locator(".msg.greeting .text")).to_have_text(webchat_texts("greeting", "ru"))
    assert await page.locator(".msg:not(.greeting)").count() == 0
    await say(page, "Здравствуйте", "Ваше сообщение")
    await expect(page.get_by_role("button", name=texts("type.incident", "ru"))).to_be_visible()
    assert await page.locator(".msg.greeting").count() == 1
    await page.reload()
    await page.get_by_role("button", name="Открыть чат поддержки").click()
    await expect(page.locator(".msg.bot").first).to_contain_text(texts("ask.type", "ru"))
    assert await page.locator(".msg.greeting").count() == 0, "greets only a visitor with no conversation"
    assert failed == []
    async with httpx.AsyncClient(base_url=chat.url) as client:
        icon = await client.get("/favicon.ico")
    assert (icon.status_code, icon.headers["content-type"], icon.content[:4]) == (200, "image/x-icon", b"\0\0\1\0")
    await page.close()


async def test_the_greeting_comes_from_the_setting_and_a_page_can_set_its_own(
    start_chat: StartChat, browser: Browser
) -> None:
    async with start_chat(webchat_greeting="Welcome to ACME support.") as chat:
        page = await browser.new_page(locale="en-US")
        await page.goto(chat.url + "/")
        await page.get_by_role("button", name="Open support chat").click()
        await expect(page.locator(".msg.greeting .text")).to_have_text("Welcome to ACME support.")
        await page.close()

        embed = f"""<!doctype html><html lang="en"><title>ACME</title><body>
            <script src="{chat.url}/webchat/widget.js" data-greeting-en="Hi from the page."
                    data-greeting-ru="Привет со страницы." data-title="ACME"></script></body></html>"""
        async with serve(HTMLResponse(embed), lifespan="off") as site:  # the customer's own site
            page = await browser.new_page(locale="en-US")
            await page.goto(site + "/")
            await page.get_by_role("button", name="Open support chat").click()
            await expect(page.get_by_role("dialog", name="ACME")).to_be_visible()
            await expect(page.locator(".msg.greeting .text")).to_have_text("Hi from the page.")
            await page.close()
