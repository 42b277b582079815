"""A web-chat visitor who left an e-mail (and confirmed it from the link mailed there) gets what
support sends them by mail while no widget of theirs is connected, and their reply by mail
continues the same ticket.

The real app with the fake Telegram forum group, the widget's real WebSocket, and real Dovecot +
Postfix: the visitor reads their mailbox over IMAP and answers over SMTP, as a mail program would.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import update
from sqlmodel import col, select

from channels.webchat.models import WebchatVisitor
from core.db import transaction
from core.settings import Settings
from core.timeutil import utcnow
from switchboard.settings import AppSettings
from tests.channels.email.helpers import MailDesk, telegram_and_mail
from tests.channels.webchat.conftest import StartChat
from tests.channels.webchat.images import png_image
from tests.channels.webchat.test_browser import ARTIFACTS, report_with_screenshot
from tests.channels.webchat.test_widget_accessibility import serious_violations
from tests.channels.webchat.visitor import Visitor
from tests.support.mailservers import ALICE, BOB, REJECTED, SUPPORT, MailServers
from tests.support.telegram_steps import text_of, topic_of

NUMBER = re.compile(r"#(\d+)")
LINK = re.compile(r"http://\S+/webchat/email/\S+")
_mail_ids = itertools.count(1)


class Desk(MailDesk):
    async def visitor(self, address: str) -> WebchatVisitor:
        [row] = await self.telegram.query(select(WebchatVisitor).where(col(WebchatVisitor.id) > 0))
        visitor: WebchatVisitor = row[0]
        assert visitor.email == address
        return visitor

    async def hold(self, lease: timedelta) -> None:
        """What another instance holding a socket of the visitor writes (a lease ending `lease` from now)."""
        async with transaction(self.telegram.services.sessions) as session:
            await session.execute(update(WebchatVisitor).values(online_until=utcnow() + lease))

    async def confirm(self, address: str) -> EmailMessage:
        """What the owner of `address` does: open the link mailed there and press its button."""
        [mail] = await self.mail.wait_for_mail(address, timeout=15, match=is_confirmation)
        link = LINK.search(mail.get_content())
        assert link is not None, mail.get_content()
        async with httpx.AsyncClient() as client:
            page = await client.get(link.group(0))
            assert page.status_code == 200 and "Yes, this is my address" in page.text
            done = await client.post(link.group(0))
        assert done.status_code == 200 and f"replies also go to {address}" in done.text
        return mail

    async def away(self, timeout: float = 10.0) -> None:
        """Until the server has seen every widget socket close (presence cleared)."""
        async with asyncio.timeout(timeout):
            while any(row[0] is not None for row in await self.telegram.query(select(WebchatVisitor.online_until))):
                await asyncio.sleep(0.05)


@pytest.fixture
async def desk(
    make_settings: Callable[..., AppSettings], migrated: Settings, mail_servers: MailServers
) -> AsyncIterator[Desk]:
    async with telegram_and_mail(make_settings, mail_servers, Desk) as desk:
        yield desk


def is_confirmation(mail: EmailMessage) -> bool:
    return "Confirm your e-mail" in str(mail["Subject"])


def not_confirmation(mail: EmailMessage) -> bool:
    return not is_confirmation(mail)


async def leave_email(visitor: Visitor, address: str | None) -> dict[str, Any]:
    assert visitor.socket is not None
    frame: dict[str, Any] = {"type": "email", "skip": True} if address is None else {"type": "email", "email": address}
    await visitor.socket.send(json.dumps(frame))
    answer: dict[str, Any] = await visitor.until(lambda f: f["type"] == "email")
    return answer


async def registered(visitor: Visitor, subject: str) -> int:
    event = await visitor.open_ticket(subject)
    match = NUMBER.search(event["text"])
    assert match is not None, event
    return int(match.group(1))


def mail_reply(to: EmailMessage, text: str, *, sender: str, subject: str | None = None) -> EmailMessage:
    reply = EmailMessage()
    reply["From"], reply["To"] = sender, SUPPORT
    reply["Subject"] = subject if subject is not None else f"Re: {to['Subject']}"
    reply["Message-ID"] = f"<reply-{next(_mail_ids)}@{sender.partition('@')[2]}>"
    if subject is None:  # a mail program's reply; a hand-written mail carries no thread headers
        reply["In-Reply-To"] = to["Message-ID"]
        reply["References"] = to["Message-ID"]
    reply.set_content(text + "\n")
    return reply


async def test_an_away_visitor_gets_replies_by_mail_and_answers_by_mail_into_the_same_ticket(desk: Desk) -> None:
    visitor = await Visitor(desk.url).connect()
    assert visitor.welcome["email_offer"] is True
    number = await registered(visitor, "Printer jams")
    saved = await leave_email(visitor, "  Alice@Switchboard.TEST ")
    assert saved == {"type": "email", "status": "saved", "email": ALICE}
    await desk.confirm(ALICE)
    await desk.visitor(ALICE)
    topic = await topic_of(desk.telegram, number)
    agent = desk.fake.agent("Anna")

    # Connected: the reply shows in the widget and no mail is sent.
    await agent.send("Looking into it now.", thread_id=topic.thread_id)
    await visitor.reply_with(lambda e: "Looking into it now." in e["text"])
    if not any(e.get("status") == "in_progress" for e in visitor.events):  # its status notice, in either order
        await visitor.reply_with(lambda e: e.get("status") == "in_progress")

    await visitor.close()
    await desk.away()
    await agent.send("/ask Which floor is the printer on?", thread_id=topic.thread_id)
    [asked] = await desk.mail.wait_for_mail(ALICE, timeout=15, match=not_confirmation)
    assert asked["Subject"] == f"Re: Printer jams [#{number}]"
    assert asked["From"] == f"ACME Support <{SUPPORT}>" and asked["To"] == ALICE
    body = asked.get_content()
    assert "Which floor is the printer on?" in body and "Looking into it now." not in body
    assert "you were not in the support chat" in body and "Reply to this mail" in body

    answer = mail_reply(asked, "Third floor, next to the kitchen.", sender=ALICE)
    answer.add_attachment(png_image(), maintype="image", subtype="png", filename="floor.png")
    await desk.mail.send_mail(answer, sender=ALICE, to=[SUPPORT])
    await desk.in_topic(topic.thread_id, "Third floor, next to the kitchen.")
    [(only, status, _)] = await desk.telegram.tickets()
    assert (only, status) == (number, "in_progress")  # the answer moved it back from waiting

    # The subject token alone counts for the address the ticket's mail went to, not for others.
    by_hand = mail_reply(asked, "Also the tray is cracked.", sender=ALICE, subject=f"Printer [#{number}]")
    await desk.mail.send_mail(by_hand, sender=ALICE, to=[SUPPORT])
    await desk.in_topic(topic.thread_id, "Also the tray is cracked.")
    stranger = mail_reply(asked, "Let me into that ticket.", sender=BOB, subject=f"Printer [#{number}]")
    await desk.mail.send_mail(stranger, sender=BOB, to=[SUPPORT])
    await desk.fake.wait_for(lambda: len(desk.fake.topics) == 2, "a topic of its own for the stranger's mail")
    assert "Let me into that ticket." not in "".join(text_of(m) for m in desk.fake.thread_messages(topic.thread_id))

    # A status change while away comes by mail too, in the same thread.
    await agent.send("/solve Replaced the tray.", thread_id=topic.thread_id)
    [solved] = await desk.mail.wait_for_mail(ALICE, timeout=15, match=lambda m: "Replaced the tray." in m.get_content())
    assert f"[#{number}]" in solved["Subject"]
    assert asked["Message-ID"] in solved["References"]
    # "Solved" typed in a mail would answer only the ticket's own channel: the copy offers the status page.
    assert "Reply with one of" not in solved.get_content()
    assert f"To answer, open the status page: {desk.url}/t/" in solved.get_content()

    # Back in the widget, the conversation holds everything that was mailed, their own mails too
    # (drawn as theirs, and never mailed back to them).
    again = await Visitor(desk.url, token=visitor.token).connect(after=0)
    mine = await again.until(lambda f: f["type"] == "event" and "Third floor, next to" in f.get("text", ""))
    assert mine["from"] == "visitor" and mine["via"] == "email"
    assert [a["filename"] for a in mine["attachments"]] == ["floor.png"]  # their screenshot, shown too
    shown = await again.fetch_file(mine["id"])
    assert shown.status_code == 200 and shown.content == png_image()
    await again.reply_with(lambda e: "Replaced the tray." in e["text"])
    await again.close()
    assert not [m for m in await desk.mail.read_mailbox(ALICE) if "Third floor" in m.get_content()]


async def test_a_copy_the_mail_server_refuses_is_shown_to_the_agents(desk: Desk) -> None:
    visitor = await Visitor(desk.url).connect()
    number = await registered(visitor, "Badge does not open the door")
    assert (await leave_email(visitor, REJECTED))["status"] == "saved"
    # Confirmed once, and the mailbox gone since: each copy is refused now.
    async with transaction(desk.telegram.services.sessions) as session:
        await session.execute(update(WebchatVisitor).values(email=REJECTED))
    topic = await topic_of(desk.telegram, number)
    await visitor.close()
    await desk.away()
    await desk.fake.agent("Anna").send("Please try the side door.", thread_id=topic.thread_id)
    failure = await desk.in_topic(topic.thread_id, "did not receive")
    assert "550" in text_of(failure)
    # The reply and its status notice ("in progress"), each refused and each shown.
    # (The first row: the confirmation mail, refused as well.)
    rows = [row for row in await desk.telegram.settled(timeout=15) if row[0] == "email"]
    assert [row[2] for row in rows] == ["failed", "failed", "failed"]
    failures = [m for m in desk.fake.thread_messages(topic.thread_id) if "did not receive" in text_of(m)]
    assert len(failures) == 2


async def test_a_refused_confirmation_is_told_in_the_chat_and_the_question_comes_back(desk: Desk) -> None:
    visitor = await Visitor(desk.url).connect()
    assert visitor.welcome["email_offer"] is True
    assert (await leave_email(visitor, REJECTED))["status"] == "saved"
    # Postfix refuses the confirmation mail (550): the visitor hears of it where they are.
    told = await visitor.reply_with(lambda f: "could not send mail" in (f.get("text") or ""))
    assert REJECTED in told["text"] and "550" in told["text"]
    assert told["email_offer"] is True  # a connected widget asks again at once
    query = select(WebchatVisitor.email, WebchatVisitor.email_pending, WebchatVisitor.email_asked)
    [row] = await desk.telegram.query(query)
    assert tuple(row) == (None, None, False)
    await visitor.close()

    again = await Visitor(desk.url, token=visitor.token).connect()
    assert again.welcome["email_offer"] is True  # asked again: the first answer could not be used
    assert (await leave_email(again, ALICE))["status"] == "saved"
    await desk.confirm(ALICE)
    [row] = await desk.telegram.query(query)
    assert tuple(row) == (ALICE, None, True)
    await again.close()


async def test_a_socket_held_by_another_instance_keeps_replies_off_mail_until_its_lease_runs_out(desk: Desk) -> None:
    visitor = await Visitor(desk.url).connect()
    number = await registered(visitor, "Projector flickers")
    await leave_email(visitor, ALICE)
    await desk.confirm(ALICE)
    topic = await topic_of(desk.telegram, number)
    await visitor.close()
    await desk.away()
    agent = desk.fake.agent("Anna")

    await desk.hold(timedelta(seconds=60))  # another instance's socket, renewed there
    await agent.send("Is it the one in room 2?", thread_id=topic.thread_id)
    rows = await desk.telegram.settled(timeout=15)
    assert [row[2] for row in rows if row[0] == "email"] == ["sent"]  # the confirmation link, no copy

    await desk.hold(timedelta(seconds=-1))  # that instance died: its lease ran out
    await agent.send("We bring a spare one.", thread_id=topic.thread_id)
    await desk.mail.wait_for_mail(ALICE, timeout=15, match=lambda m: "We bring a spare one." in m.get_content())
    assert not [m for m in await desk.mail.read_mailbox(ALICE) if "room 2" in m.get_content()]


async def test_the_question_is_asked_once_and_a_bad_address_is_refused(desk: Desk) -> None:
    visitor = await Visitor(desk.url).connect()
    for bad in ("not an address", "alice@localhost", "<alice@switchboard.test>", "a@b.c\r\nBcc: x@y.z", 42):
        refused = await leave_email(visitor, bad)  # type: ignore[arg-type]
        assert refused["status"] == "error" and "does not look like an e-mail address" in refused["message"]
    assert (await leave_email(visitor, None))["status"] == "skipped"
    assert (await leave_email(visitor, ALICE))["status"] == "closed"  # answered: never asked again
    await visitor.close()
    again = await Visitor(desk.url, token=visitor.token).connect()
    assert again.welcome["email_offer"] is False
    [row] = await desk.telegram.query(select(WebchatVisitor.email, WebchatVisitor.email_asked))
    assert tuple(row) == (None, True)
    await again.close()

    ru = await Visitor(desk.url, lang="ru").connect()
    refused = await leave_email(ru, "почта")
    assert "не похоже на адрес электронной почты" in refused["message"]
    await ru.close()


async def test_without_the_email_channel_nothing_is_asked(start_chat: StartChat) -> None:
    async with start_chat() as chat:
        visitor = await Visitor(chat.url).connect()
        assert visitor.welcome["email_offer"] is False
        assert (await leave_email(visitor, ALICE))["status"] == "closed"
        await visitor.close()


async def test_the_widget_asks_once_for_an_email_and_replies_come_by_mail_after_the_page_closes(
    desk: Desk, browser: Browser
) -> None:
    page = await browser.new_page(locale="en-US")
    await page.goto(desk.url + "/")
    await page.get_by_role("button", name="Open support chat").click()
    question = page.get_by_text("Leave your e-mail to get replies when you are away")
    await report_with_screenshot(page, png_image())
    await expect(question).to_be_visible()
    assert await serious_violations(page) == [], "asked for an e-mail"

    field = page.get_by_role("textbox", name="Your e-mail")
    await field.fill("alice@switchboard")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_contain_text("does not look like an e-mail address")
    await expect(field).to_have_attribute("aria-invalid", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "webchat-email-question.png"))
    assert await serious_violations(page) == [], "a refused address"
    await field.fill("alice@switchboard.test")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text(f"We sent a link to {ALICE}: open it")).to_be_visible()
    await desk.confirm(ALICE)
    await desk.visitor(ALICE)
    await page.screenshot(path=str(ARTIFACTS / "webchat-email-saved.png"))

    await page.reload()
    await page.get_by_role("button", name="Open support chat").click()
    created = page.get_by_text(re.compile(r"Your request #\d+ is registered"))
    await expect(created).to_be_visible()
    await expect(question).to_be_hidden()  # answered once: never asked again
    number = int(NUMBER.search(await created.inner_text()).group(1))  # type: ignore[union-attr]
    await page.close()

    await desk.away()
    topic = await topic_of(desk.telegram, number)
    await desk.fake.agent("Anna").send("The reader is replaced, try your badge.", thread_id=topic.thread_id)
    [mail] = await desk.mail.wait_for_mail(
        ALICE, timeout=15, match=lambda m: "The reader is replaced" in m.get_content()
    )
    assert f"[#{number}]" in mail["Subject"]


async def test_the_widget_asks_again_at_once_when_the_confirmation_mail_is_refused(
    desk: Desk, browser: Browser
) -> None:
    page = await browser.new_page(locale="en-US")
    await page.goto(desk.url + "/")
    await page.get_by_role("button", name="Open support chat").click()
    await report_with_screenshot(page, png_image())
    question = page.get_by_text("Leave your e-mail to get replies when you are away")
    field = page.get_by_role("textbox", name="Your e-mail")
    await field.fill(REJECTED)
    await page.get_by_role("button", name="Save").click()
    # (The "we sent a link" notice shows in between, often too briefly to be seen: Postfix answers
    # within milliseconds.) It refuses the mail (550): the chat says so and the question is back,
    # empty, right away.
    await expect(page.get_by_text(re.compile(f"could not send mail to {re.escape(REJECTED)}"))).to_be_visible()
    await expect(question).to_be_visible()
    await expect(field).to_have_value("")
    assert await serious_violations(page) == [], "asked again"
    await field.fill(ALICE)
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text(f"We sent a link to {ALICE}: open it")).to_be_visible()
    await desk.confirm(ALICE)
    await desk.visitor(ALICE)
    await page.close()


async def test_an_address_gets_nothing_but_the_link_until_its_owner_confirms_it(desk: Desk) -> None:
    visitor = await Visitor(desk.url).connect()
    number = await registered(visitor, "Wi-Fi drops")
    assert (await leave_email(visitor, BOB))["status"] == "saved"  # someone else's address, typed in
    [mail] = await desk.mail.wait_for_mail(BOB, timeout=15, match=is_confirmation)
    assert mail["Auto-Submitted"] == "auto-replied" and mail["From"] == f"ACME Support <{SUPPORT}>"
    link = LINK.search(mail.get_content())
    assert link is not None and "If it was not you, ignore this mail" in mail.get_content()
    topic = await topic_of(desk.telegram, number)
    await visitor.close()
    await desk.away()
    agent = desk.fake.agent("Anna")

    await agent.send("Which access point?", thread_id=topic.thread_id)
    rows = await desk.telegram.settled(timeout=15)
    assert [row[2] for row in rows if row[0] == "email"] == ["sent"]  # the link only: no copy
    async with httpx.AsyncClient() as client:
        page = await client.get(link.group(0))  # what a mail scanner does: no confirmation yet
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        [row] = await desk.telegram.query(select(WebchatVisitor.email, WebchatVisitor.email_pending))
        assert tuple(row) == (None, BOB)
        guessed = await client.post(link.group(0)[:-4] + "AAAA")
        assert guessed.status_code == 404 and "not valid" in guessed.text
        assert (await client.post(link.group(0))).status_code == 200
        assert (await client.post(link.group(0))).status_code == 404  # each link works once
        ru = await client.get(link.group(0), headers={"Accept-Language": "ru-RU,ru;q=0.9"})
        assert ru.status_code == 404 and "Ссылка недействительна" in ru.text

    await agent.send("We restarted the access point.", thread_id=topic.thread_id)
    [copy] = await desk.mail.wait_for_mail(BOB, timeout=15, match=not_confirmation)
    assert "We restarted the access point." in copy.get_content() and "Which access point?" not in copy.get_content()
