from __future__ import annotations

import json

from sqlalchemy import func
from sqlmodel import col, select

from channels.webchat.models import WebchatEvent
from core.desk import Agent
from core.models import Attachment, Message, Ticket
from tests.channels.webchat.conftest import Chat
from tests.channels.webchat.visitor import Visitor
from tests.support.customers import png

BOB = Agent("Bob")
PNG = png().content or b""


async def ticket_number(chat: Chat) -> int:
    async with chat.services.sessions() as session:
        ticket = (await session.execute(select(Ticket).where(col(Ticket.channel) == "webchat"))).scalar_one()
    return ticket.number


async def test_first_contact_gets_a_token_and_the_intake_opens_a_ticket_with_the_screenshot(chat: Chat) -> None:
    async with Visitor(chat.url) as visitor:
        assert visitor.token and len(visitor.token) >= 40
        created = await visitor.open_ticket("Printer jams", screenshot=PNG)
        number = await ticket_number(chat)
        assert f"#{number}" in created["text"]
        upload = next(e for e in visitor.events if e["from"] == "visitor" and e["attachments"])
        assert upload["attachments"][0] | {"index": 0} == {
            "kind": "image",
            "filename": "screen.png",
            "mime_type": "image/png",
            "size": len(PNG),
            "index": 0,
        }
        assert (await visitor.fetch_file(upload["id"])).content == PNG
    async with chat.services.sessions() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
        files = list(
            (await session.execute(select(Attachment).where(col(Attachment.ticket_id) == ticket.id))).scalars()
        )
    assert (ticket.subject, ticket.channel) == ("Printer jams", "webchat")
    assert [(f.kind, f.mime_type, f.size) for f in files] == [("image", "image/png", len(PNG))]
    ids = [e["id"] for e in visitor.events]
    assert ids == list(range(1, len(ids) + 1))  # numbered 1, 2, 3... without gaps


async def test_reconnect_receives_what_was_sent_meanwhile_once_and_in_order(chat: Chat) -> None:
    visitor = await Visitor(chat.url).connect()
    await visitor.open_ticket()
    number, seen = await ticket_number(chat), visitor.seen
    await visitor.close()
    await chat.services.desk.reply(number, BOB, "First answer")
    await chat.services.desk.ask(number, BOB, "Which floor?")
    await chat.services.desk.reply(number, BOB, "Second answer")
    await visitor.connect()
    await visitor.reply_with(lambda e: "Second answer" in e["text"])
    missed = [e for e in visitor.events if e["id"] > seen]
    assert [e["id"] for e in missed] == list(range(seen + 1, seen + len(missed) + 1))
    assert [e["from"] for e in missed] == ["agent", "bot", "bot", "agent"]
    assert "First answer" in missed[0]["text"] and "Which floor?" in missed[2]["text"]
    assert [e["status"] for e in missed] == [None, "in_progress", "waiting_customer", None]
    # A fresh page asks for everything and gets the whole history, each item once.
    async with Visitor(chat.url, token=visitor.token) as reloaded:
        await reloaded.reply_with(lambda e: e["id"] == visitor.seen)
    assert [e["id"] for e in reloaded.events] == list(range(1, visitor.seen + 1))
    await visitor.close()


async def test_a_message_resent_after_a_lost_ack_is_stored_and_handled_once(chat: Chat) -> None:
    async with Visitor(chat.url) as visitor:
        await visitor.send("Hello", client_id="c-same")
        await visitor.send("Hello", client_id="c-same")
    async with Visitor(chat.url, token=visitor.token) as again:
        await again.send("Hello", client_id="c-same")
    await chat.handled()  # acknowledged once stored; the core inbox's worker handles it
    async with chat.services.sessions() as session:
        messages = (
            await session.execute(select(func.count()).select_from(Message).where(col(Message.direction) == "in"))
        ).scalar()
        echoes = list((await session.execute(select(WebchatEvent))).scalars())
    assert messages == 1
    assert [e.payload["client_id"] for e in echoes if e.payload["from"] == "visitor"] == ["c-same"]


async def test_every_tab_of_a_visitor_sees_the_conversation_live(chat: Chat) -> None:
    async with Visitor(chat.url) as first, Visitor(chat.url, token=first.token) as second:
        await first.send("Hi from tab one")
        echo = await second.until(lambda f: f["type"] == "event" and f["from"] == "visitor")
        greeting = await second.reply_with(lambda e: True)
    assert echo["text"] == "Hi from tab one" and greeting["choices"]


async def test_an_agent_file_is_shown_to_the_visitor(chat: Chat) -> None:
    from core.messages import InboundAttachment

    async with Visitor(chat.url) as visitor:
        await visitor.open_ticket()
        pdf = b"%PDF-1.4 manual"
        attachment = InboundAttachment(kind="document", filename="manual.pdf", mime_type="application/pdf", content=pdf)
        await chat.services.desk.reply(await ticket_number(chat), BOB, "See the manual", [attachment])
        event = await visitor.reply_with(lambda e: bool(e["attachments"]))
        response = await visitor.fetch_file(event["id"])
    assert event["from"] == "agent" and event["attachments"][0]["filename"] == "manual.pdf"
    assert "key" not in json.dumps(event["attachments"])
    assert (response.content, response.headers["content-type"]) == (pdf, "application/pdf")
