"""Complete requests (a mail): a ticket at once, follow-ups by the ids they answer, no loops."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from core.messages import AGENT_DESK, InboundAttachment, InboundMessage
from core.models import Dialog, Message, OutboxMessage, OutboxStatus, Ticket, TicketType
from core.services import Services
from core.staff import Agent

_ids = itertools.count(1)
SENT_OURS = (
    update(OutboxMessage)
    .where(col(OutboxMessage.channel) == "mail")
    .values(status=OutboxStatus.SENT, external_id="<ours-1@sb>")
)


async def mail(services: Services, sender: str = "alice@x.test", **fields: Any) -> str:
    external_id: str = fields.pop("external_id", f"<m{next(_ids)}@x.test>")
    fields.setdefault("subject", "Printer offline")
    fields.setdefault("text", "The printer on floor 3 is offline.")
    await services.desk.receive(
        InboundMessage(channel="mail", sender=sender, external_id=external_id, language="en", **fields)
    )
    return external_id


async def rows(services: Services, model: Any, *where: Any) -> list[Any]:
    async with services.sessions() as session:
        return list((await session.execute(select(model).where(*where).order_by(model.id))).scalars())


async def to_customer(services: Services, address: str = "alice@x.test") -> list[OutboxMessage]:
    return await rows(services, OutboxMessage, OutboxMessage.channel == "mail", OutboxMessage.address == address)


async def test_a_complete_request_opens_a_ticket_at_once_with_its_files(services: Services) -> None:
    shot = InboundAttachment(kind="image", filename="shot.png", mime_type="image/png", content=b"png")
    await mail(services, attachments=[shot])
    [ticket] = await rows(services, Ticket)
    assert (ticket.subject, ticket.description, ticket.type) == (
        "Printer offline",
        "The printer on floor 3 is offline.",
        TicketType.INCIDENT,
    )
    assert await rows(services, Dialog) == []
    [reply] = await to_customer(services)
    assert f"#{ticket.number}" in reply.payload["text"] and "reply to this mail" in reply.payload["text"]
    assert reply.payload["meta"]["automatic"] is True and reply.ticket_id == ticket.id
    [created] = await rows(services, OutboxMessage, OutboxMessage.channel == AGENT_DESK)
    assert created.kind == "ticket_created"


async def test_follow_ups_find_their_ticket_by_the_ids_they_answer(services: Services) -> None:
    first = await mail(services)
    [ticket] = await rows(services, Ticket)
    async with services.sessions.begin() as session:  # the creation reply went out with our own id
        await session.execute(SENT_OURS)
    await mail(services, text="more", reply_candidates=["<unknown@x>", first])
    # A colleague answering our mail (its id is unguessable) joins the same ticket.
    await mail(services, "carol@x.test", subject="Re: Printer", text="me too", reply_candidates=["<ours-1@sb>"])
    assert len(await rows(services, Ticket)) == 1
    texts = [m.text for m in await rows(services, Message, Message.ticket_id == ticket.id)]
    assert texts == ["The printer on floor 3 is offline.", "more", "me too"]


async def test_the_number_in_a_subject_counts_only_for_the_tickets_own_contact(services: Services) -> None:
    await mail(services)
    [ticket] = await rows(services, Ticket)
    await mail(services, subject=f"Re: Printer [#{ticket.number}]", text="still", ticket_hint=ticket.number)
    await mail(services, "mallory@x.test", subject=f"[#{ticket.number}]", text="let me in", ticket_hint=ticket.number)
    tickets = await rows(services, Ticket)
    assert [t.address for t in tickets] == ["alice@x.test", "mallory@x.test"]
    assert [m.text for m in await rows(services, Message, Message.ticket_id == ticket.id)][-1] == "still"


async def test_an_automatic_mail_gets_no_automatic_reply_but_still_a_ticket(services: Services) -> None:
    await mail(services, automatic_replies=False, refused_files=["huge.iso"])
    assert len(await rows(services, Ticket)) == 1
    assert await to_customer(services) == []


async def test_a_one_word_reply_picks_the_type_and_refused_files_are_told(services: Services) -> None:
    first = await mail(services)
    await mail(services, text="Question", reply_candidates=[first], refused_files=["huge.iso"])
    [ticket] = await rows(services, Ticket)
    assert ticket.type == TicketType.CONSULTATION
    told = (await to_customer(services))[-1].payload["text"]
    assert "huge.iso" in told and f"#{ticket.number}" in told


async def test_a_bounce_fails_the_sent_message_and_tells_the_agents(services: Services) -> None:
    await mail(services)
    async with services.sessions.begin() as session:
        await session.execute(SENT_OURS)
    assert await services.desk.bounced("mail", "<nope@sb>", "bounced") is False
    assert await services.desk.bounced("mail", "<ours-1@sb>", "bounced (5.1.1)") is True
    [reply] = await to_customer(services)
    assert (reply.status, reply.last_error) == (OutboxStatus.FAILED, "bounced (5.1.1)")
    [event] = await rows(services, OutboxMessage, OutboxMessage.kind == "delivery_failed")
    assert event.payload["meta"] == {"outbox_id": reply.id, "reason": "bounced (5.1.1)"}


async def test_a_digit_answering_the_closing_notice_rates_the_support(services: Services) -> None:
    first = await mail(services)
    [ticket] = await rows(services, Ticket)
    await services.desk.close(ticket.number, Agent("Anna"))
    await mail(services, text="5", reply_candidates=[first])
    [rated] = await rows(services, Ticket)
    assert rated.rating == 5
    assert "Thank you" in (await to_customer(services))[-1].payload["text"]
