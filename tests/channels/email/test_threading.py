"""Mail in through the core inbox, out through the adapter: tickets, threading both ways, no loops.

The SMTP transport is replaced at its seam (`MailSender`) by one that keeps the mails; the journey
test runs the same over the real Dovecot and Postfix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from channels.email.adapter import CHANNEL
from core.messages import AGENT_DESK
from core.models import Message, OutboxMessage, OutboxStatus, Ticket
from core.services import Services
from core.settings import Settings
from core.staff import Agent
from switchboard.settings import AppSettings
from tests.channels.email import samples
from tests.channels.email.helpers import KeptMail, Mailbox
from tests.support.mailservers import SUPPORT

ANNA = Agent("Anna", "7")


@pytest.fixture
def settings(make_settings: Callable[..., AppSettings]) -> Settings:
    return make_settings(public_url="https://desk.example.com", default_language="en").core


@pytest.fixture
def outbox(services: Services) -> KeptMail:
    return KeptMail.installed(services)


@pytest.fixture
def handler(services: Services) -> Mailbox:
    return Mailbox(services)


async def deliver(services: Services) -> None:
    while await services.worker.run_once():
        pass


async def tickets(services: Services) -> list[Ticket]:
    async with services.sessions() as session:
        return list((await session.execute(select(Ticket).order_by(col(Ticket.id)))).scalars())


async def rows(services: Services, *where: Any) -> list[Any]:
    async with services.sessions() as session:
        return list(
            (await session.execute(select(OutboxMessage).where(*where).order_by(col(OutboxMessage.id)))).scalars()
        )


async def test_a_mail_opens_a_ticket_and_the_auto_reply_is_threaded(
    services: Services, handler: Mailbox, outbox: KeptMail
) -> None:
    await handler.handle(samples.thunderbird(screenshot=samples.PNG), "1:1")
    await deliver(services)
    [ticket] = await tickets(services)
    assert ticket.subject == "Printer on floor 3 is offline" and "shows offline" in ticket.description
    [reply] = outbox.sent
    assert reply["To"] == "alice@switchboard.test"
    assert reply["From"] == f"ACME Support <{SUPPORT}>"
    assert reply["Subject"] == f"Re: Printer on floor 3 is offline [#{ticket.number}]"
    assert reply["In-Reply-To"] == "<a1b2c3@mail.switchboard.test>"
    assert reply["Auto-Submitted"] == "auto-replied"
    body = reply.get_content()
    assert f"#{ticket.number}" in body and f"https://desk.example.com/t/{ticket.public_token}" in body
    assert "reply to this mail" in body
    [sent] = await rows(services, OutboxMessage.channel == CHANNEL)
    assert sent.external_id == reply["Message-ID"]


async def test_agent_mails_chain_and_a_quoted_html_reply_lands_without_the_quote(
    services: Services, handler: Mailbox, outbox: KeptMail
) -> None:
    await handler.handle(samples.thunderbird(sender="Bob <bob@switchboard.test>"), "1:1")
    await deliver(services)
    [ticket] = await tickets(services)
    await services.desk.ask(ticket.number, ANNA, "Which model is it?")
    await deliver(services)
    auto, ask = outbox.sent
    assert "Which model is it?" in ask.get_content()
    assert ask["In-Reply-To"] == "<a1b2c3@mail.switchboard.test>"
    assert ask["References"].split() == ["<a1b2c3@mail.switchboard.test>", auto["Message-ID"]]
    reply = samples.outlook_cp1251_html_reply(
        in_reply_to=ask["Message-ID"],
        references=ask["References"] + " " + ask["Message-ID"],
        subject=f"Printer [#{ticket.number}]",
        quoted="Which model is it?",
    )
    await handler.handle(reply, "1:2")
    assert len(await tickets(services)) == 1
    async with services.sessions() as session:
        messages = (await session.execute(select(Message).where(col(Message.ticket_id) == ticket.id))).scalars().all()
    last = messages[-1]
    assert "Принтер снова работает" in last.text and "Which model" not in last.text
    await deliver(services)
    # The customer's answer moved the ticket on; that notice answers the customer's mail.
    assert outbox.sent[-1]["In-Reply-To"] == "<outlook-777@switchboard.test>"


async def test_the_subject_number_alone_counts_only_for_the_tickets_own_contact(
    services: Services, handler: Mailbox, outbox: KeptMail
) -> None:
    await handler.handle(samples.thunderbird(), "1:1")
    [ticket] = await tickets(services)
    subject = f"Re: Printer [#{ticket.number}]"
    await handler.handle(samples.thunderbird(subject=subject, body="more", message_id="<2@x>"), "1:2")
    stranger = samples.thunderbird(sender="eve@evil.test", subject=subject, body="hi", message_id="<3@x>")
    await handler.handle(stranger, "1:3")
    assert [t.address for t in await tickets(services)] == ["alice@switchboard.test", "eve@evil.test"]


async def test_out_of_office_gets_no_answer_and_a_bounce_fails_our_mail(
    services: Services, handler: Mailbox, outbox: KeptMail
) -> None:
    await handler.handle(samples.thunderbird(), "1:1")
    await deliver(services)
    [auto] = outbox.sent
    [ticket] = await tickets(services)
    await services.desk.ask(ticket.number, ANNA, "Which model?")
    await deliver(services)
    ooo = samples.out_of_office().replace(
        b"Message-ID:", b"In-Reply-To: " + outbox.sent[-1]["Message-ID"].encode() + b"\r\nMessage-ID:"
    )
    await handler.handle(ooo, "1:2")
    await handler.handle(samples.thunderbird(sender="MAILER-DAEMON@x.test", subject="Hello", message_id="<9@x>"), "1:3")
    await deliver(services)
    assert len(outbox.sent) == 2  # neither the out-of-office reply nor the daemon got an answer
    await handler.handle(samples.bounce(original_message_id=auto["Message-ID"]), "1:4")
    [failed] = await rows(services, OutboxMessage.external_id == auto["Message-ID"])
    assert failed.status == OutboxStatus.FAILED and "5.1.1" in (failed.last_error or "")
    [event] = await rows(services, OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind == "delivery_failed")
    assert event.payload["meta"]["outbox_id"] == failed.id
    assert len(await tickets(services)) == 2  # the daemon's mail is a ticket; the bounce is not


async def test_a_second_new_mail_within_the_hour_gets_no_automatic_reply(
    services: Services, handler: Mailbox, outbox: KeptMail
) -> None:
    await handler.handle(samples.thunderbird(), "1:1")
    await handler.handle(samples.thunderbird(subject="Another", message_id="<other@x>"), "1:2")
    await deliver(services)
    assert len(await tickets(services)) == 2 and len(outbox.sent) == 1


async def test_a_huge_attachment_is_refused_and_the_customer_told(
    services: Services, handler: Mailbox, outbox: KeptMail
) -> None:
    await handler.handle(samples.thunderbird(screenshot=b"x" * 5000, filename="dump.bin"), "1:1")
    await deliver(services)
    texts = [m.get_content() for m in outbox.sent]
    assert any("dump.bin" in text and "too large" in text for text in texts)
