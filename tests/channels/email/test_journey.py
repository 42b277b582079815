"""The e-mail journey through the real app, real Dovecot + Postfix and the fake Telegram forum group.

A customer mails support with a screenshot and gets the number and status link by mail; agents
work in the ticket's topic; /ask and /solve arrive as threaded mail; the customer's quoted HTML
windows-1251 answer lands in the same ticket without the quote; "not solved" on the status page
reopens it. Loops: an out-of-office reply and a bounce get no automatic answer, the bounce marks
our mail failed in the topic.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from email.message import EmailMessage

import httpx
import pytest

from core.settings import Settings
from switchboard.settings import AppSettings
from tests.channels.email import samples
from tests.channels.email.helpers import MailDesk, telegram_and_mail
from tests.support.mailservers import ALICE, BOB, SUPPORT, MailServers
from tests.support.telegram_steps import text_of, topic_of

NUMBER = re.compile(r"\[#(\d+)\]")


@pytest.fixture
async def desk(
    make_settings: Callable[..., AppSettings], migrated: Settings, mail_servers: MailServers
) -> AsyncIterator[MailDesk]:
    async with telegram_and_mail(make_settings, mail_servers, MailDesk) as desk:
        yield desk


async def first_request(desk: MailDesk, customer: str) -> tuple[int, EmailMessage]:
    request = samples.thunderbird(sender=f"Customer <{customer}>", screenshot=samples.PNG)
    await desk.mail.send_mail(request, sender=customer, to=[SUPPORT])
    [reply] = await desk.mails_to(customer, 1)
    match = NUMBER.search(str(reply["Subject"]))
    assert match is not None, reply["Subject"]
    return int(match.group(1)), reply


async def test_a_customer_mails_support_and_is_answered_in_one_thread(desk: MailDesk) -> None:
    number, auto = await first_request(desk, BOB)
    body = auto.get_content()
    assert auto["From"] == f"ACME Support <{SUPPORT}>" and auto["Auto-Submitted"] == "auto-replied"
    assert auto["In-Reply-To"] == "<a1b2c3@mail.switchboard.test>"
    assert f"#{number}" in body and "reply to this mail" in body
    page = re.search(rf"{re.escape(desk.url)}/t/[\w-]+", body)
    assert page is not None, body

    topic = await topic_of(desk.telegram, number)
    await desk.in_topic(topic.thread_id, "Printer on floor 3 is offline")
    await desk.in_topic(topic.thread_id, "shows offline since this morning")
    await desk.fake.wait_for(
        lambda: any("photo" in m for m in desk.fake.thread_messages(topic.thread_id)), "screenshot"
    )

    agent = desk.fake.agent("Anna")
    await agent.send("/ask Which model is it?", thread_id=topic.thread_id)
    _, ask = await desk.mails_to(BOB, 2)
    assert "Which model is it?" in ask.get_content()
    assert ask["Subject"] == f"Re: Printer on floor 3 is offline [#{number}]"
    assert ask["In-Reply-To"] == "<a1b2c3@mail.switchboard.test>"
    assert auto["Message-ID"] in ask["References"].split() and "Auto-Submitted" in ask

    answer = samples.outlook_cp1251_html_reply(
        in_reply_to=ask["Message-ID"],
        references=f"{ask['References']} {ask['Message-ID']}",
        subject=f"Printer on floor 3 is offline [#{number}]",
        quoted="Which model is it? It is important",
        address=BOB,
    )
    await desk.mail.send_mail(answer, sender=BOB, to=[SUPPORT])
    landed = await desk.in_topic(topic.thread_id, "Принтер снова работает")
    assert "Which model" not in text_of(landed) and "From:" not in text_of(landed)
    assert [t.number for t in await desk.telegram.tickets()] == [number]

    await agent.send("/solve Restarted the print spooler", thread_id=topic.thread_id)
    solved = await desk.fake.wait_for(
        lambda: next((m for m in desk.mail.read_mailbox_sync(BOB) if "spooler" in m.get_content()), None), "solution"
    )
    assert f"[#{number}]" in solved["Subject"] and "“Not solved”" in solved.get_content()

    async with httpx.AsyncClient() as browser:
        html = (await browser.get(page.group(0))).text
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
        assert csrf is not None
        posted = await browser.post(
            page.group(0), data={"csrf": csrf.group(1), "action": "unsolved", "comment": "Still jams on tray 2"}
        )
        assert posted.status_code == 303
    await desk.in_topic(topic.thread_id, "Still jams on tray 2")
    [(_, status, _)] = await desk.telegram.tickets()
    assert status == "in_progress"


async def test_out_of_office_and_a_bounce_get_no_answer_and_the_bounce_fails_our_mail(desk: MailDesk) -> None:
    number, auto = await first_request(desk, ALICE)
    topic = await topic_of(desk.telegram, number)
    ooo = samples.thunderbird(
        sender=f"Alice <{ALICE}>",
        subject=f"Automatic reply: {auto['Subject']}",
        body="I am out of the office until Monday.",
        message_id="<ooo-1@switchboard.test>",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": auto["Message-ID"]},
    )
    await desk.mail.send_mail(ooo, sender=ALICE, to=[SUPPORT])
    await desk.in_topic(topic.thread_id, "out of the office")  # kept on the ticket, not answered
    bounce = samples.bounce(original_message_id=auto["Message-ID"], recipient=ALICE)
    await desk.mail.send_mail(bounce, sender="", to=[SUPPORT])
    await desk.in_topic(topic.thread_id, "5.1.1")
    assert len(await desk.mail.read_mailbox(ALICE)) == 1  # only the first automatic reply
    assert [t.number for t in await desk.telegram.tickets()] == [number]
    failed = [row for row in await desk.telegram.outbox() if row[0] == "email"]
    assert [(row[2], "5.1.1" in (row[3] or "")) for row in failed] == [("failed", True)]
