"""Web chat through the core inbox: a message the core could not store never strands the visitor."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from core.models import InboxEvent, Message
from tests.channels.webchat.conftest import Chat
from tests.channels.webchat.visitor import Visitor


async def test_a_lone_surrogate_is_acknowledged_handled_and_a_reconnect_works(chat: Chat) -> None:
    async with Visitor(chat.url) as visitor:
        await visitor.send("broken \ud800 text")  # the socket's JSON carries the "\ud800" escape
    await chat.handled()
    async with Visitor(chat.url, token=visitor.token) as again:
        await again.send("still here")
    await chat.handled()
    async with chat.services.sessions() as session:
        texts = list((await session.execute(select(col(Message.text)).where(col(Message.direction) == "in"))).scalars())
        statuses = list((await session.execute(select(col(InboxEvent.status)))).scalars())
    assert texts == ["broken \ufffd text", "still here"]
    assert statuses == ["done", "done"]
