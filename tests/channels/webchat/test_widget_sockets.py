"""The widget holds a socket only while it is open or a conversation is in progress (real Chromium, real app)."""

from __future__ import annotations

import asyncio

import httpx
from playwright.async_api import Browser, Page, expect
from sqlalchemy import select
from sqlmodel import col

from core.desk import Agent
from core.models import Ticket
from core.texts import texts
from tests.channels.webchat.conftest import Chat
from tests.channels.webchat.test_browser import say
from tests.channels.webchat.visitor import Visitor

BOB = Agent("Bob")
expect.set_options(timeout=15_000)


COUNT_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = function (url, protocols) {
    const socket = new Native(url, protocols);
    window.__sockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
})()"""


async def open_sockets(page: Page) -> int:
    """The page's WebSockets that are connecting or open (a reload starts the count again)."""
    count: int = await page.evaluate("window.__sockets.filter((s) => s.readyState < 2).length")
    return count


async def settle() -> None:
    await asyncio.sleep(1.0)  # long enough for a socket the widget would open on load


async def until_open(page: Page, count: int) -> None:
    for _ in range(150):
        if await open_sockets(page) == count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{await open_sockets(page)} sockets open, expected {count}")


async def test_a_closed_launcher_opens_no_socket_until_a_conversation_is_in_progress(
    chat: Chat, browser: Browser
) -> None:
    page = await browser.new_page(locale="en-US")
    await page.add_init_script(COUNT_SOCKETS)
    await page.goto(chat.url + "/")
    await settle()
    assert await page.evaluate("window.__sockets.length") == 0, "a visitor who never opens the chat costs no socket"

    launcher = page.get_by_role("button", name="Open support chat")
    await launcher.click()
    await expect(page.locator(".msg.greeting")).to_be_visible()
    await until_open(page, 1)
    await page.get_by_role("button", name="Close chat").click()
    await until_open(page, 0)  # looked, wrote nothing: the socket goes with the panel

    await launcher.click()
    await say(page, "Hello")
    await page.get_by_role("button", name=texts("type.consultation", "en")).click()
    await say(page, "Invoices")
    await say(page, "Where do I find last month's invoice?")
    await page.get_by_role("button", name=texts("nav.skip", "en")).click()
    await expect(page.get_by_text("is registered", exact=False)).to_be_visible()
    await page.get_by_role("button", name="Close chat").click()
    await settle()
    assert await open_sockets(page) == 1, "a request in progress keeps its socket, so answers arrive live"

    await page.reload()
    await until_open(page, 1)  # connects on load: the request is still in progress
    async with chat.services.sessions() as session:
        number = (await session.execute(select(col(Ticket.number)))).scalar_one()
    await chat.services.desk.close(number, BOB)
    await expect(page.get_by_role("button", name="Open support chat (1 unread)")).to_be_visible()

    await page.reload()
    await expect(page.get_by_role("button", name="Open support chat (1 unread)")).to_be_visible()
    await settle()
    assert await page.evaluate("window.__sockets.length") == 0, "nothing in progress: the unread count came over HTTP"
    await page.close()


async def test_state_tells_a_socketless_widget_what_is_in_progress_and_unread(chat: Chat) -> None:
    async with httpx.AsyncClient(base_url=chat.url) as client:
        assert (await client.get("/webchat/state")).status_code == 401
        assert (await client.get("/webchat/state", headers={"Authorization": "Bearer nope"})).status_code == 401
        async with Visitor(chat.url) as visitor:
            assert (visitor.welcome["active"], visitor.welcome["last"]) == (False, 0)
            assert visitor.welcome["greeting"]
            auth = {"Authorization": f"Bearer {visitor.token}"}
            assert (await client.get("/webchat/state", headers=auth)).json() == {
                "last": 0,
                "active": False,
                "unread": 0,
            }
            await visitor.send("Hello")
            await visitor.reply_with(lambda e: e["from"] == "bot")
            state = (await client.get("/webchat/state", headers=auth)).json()
            assert state == {"last": 2, "active": True, "unread": 1}, "in the intake dialog"
            assert (await client.get("/webchat/state?read=2", headers=auth)).json()["unread"] == 0
        async with Visitor(chat.url, token=visitor.token) as again:
            assert again.welcome["active"] is True
            assert "greeting" not in again.welcome


async def test_widget_sockets_are_not_compressed(chat: Chat) -> None:
    """permessage-deflate held ~45 KiB of zlib state per socket (issue 16: 87 KiB per socket)."""
    async with Visitor(chat.url) as visitor:  # offers permessage-deflate, as browsers do
        assert visitor.socket is not None and visitor.socket.response is not None
        assert visitor.socket.response.headers.get("Sec-WebSocket-Extensions") is None
