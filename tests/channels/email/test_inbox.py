"""Stored mails: kept once per (UIDVALIDITY, UID), processed from the stored copy, retried on failure."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from channels.email.inbound import MailHandler
from channels.email.inbox import MailInbox
from channels.email.models import EmailInbox
from core.models import Ticket
from core.services import Services
from tests.channels.email import samples


async def test_a_mail_handed_over_twice_is_stored_once_and_becomes_one_ticket(services: Services) -> None:
    handler = MailHandler(services.desk, services.sessions, address="support@switchboard.test", max_file_size=1000)
    inbox = MailInbox(services.sessions, handler.handle)
    await inbox.store("7:1", samples.thunderbird())
    await inbox.store("7:1", samples.thunderbird())  # the reader repeats a hand-over after a crash
    # The same mail again under a new UIDVALIDITY: a second row, but its Message-ID is already known.
    await inbox.store("8:1", samples.thunderbird())
    assert await inbox.run_once() == 2
    assert await inbox.run_once() == 0
    async with services.sessions() as session:
        assert len((await session.execute(select(Ticket))).scalars().all()) == 1
        rows = (await session.execute(select(EmailInbox))).scalars().all()
    assert [(row.mailbox_key, row.processed_at is not None) for row in rows] == [("7:1", True), ("8:1", True)]


async def test_a_failing_mail_is_kept_with_the_reason_and_tried_again_later(services: Services) -> None:
    calls: list[str] = []

    async def flaky(data: bytes, key: str) -> None:
        calls.append(key)
        if len(calls) == 1:
            raise RuntimeError("database went away")

    inbox = MailInbox(services.sessions, flaky)
    await inbox.store("7:1", samples.thunderbird())
    assert await inbox.run_once() == 1
    assert await inbox.run_once() == 0  # backing off
    async with services.sessions() as session:
        [row] = (await session.execute(select(EmailInbox))).scalars().all()
    assert (row.attempts, row.last_error, row.processed_at) == (1, "RuntimeError: database went away", None)


async def test_a_mail_without_a_usable_sender_is_kept_with_the_reason_and_not_retried(services: Services) -> None:
    handler = MailHandler(services.desk, services.sessions, address="support@switchboard.test", max_file_size=1000)
    inbox = MailInbox(services.sessions, handler.handle)
    await inbox.store("7:1", samples.thunderbird(sender="Support <support@switchboard.test>"))
    assert await inbox.run_once() == 1
    async with services.sessions() as session:
        [row] = (await session.execute(select(EmailInbox))).scalars().all()
        assert (await session.execute(select(Ticket))).scalars().all() == []
    assert (
        row.processed_at is not None
        and row.last_error == "refused: no sender address, or our own (support@switchboard.test)"
    )


async def test_a_senders_follow_up_in_the_same_batch_comes_after_its_request(services: Services) -> None:
    handler = MailHandler(services.desk, services.sessions, address="support@switchboard.test", max_file_size=1000)
    inbox = MailInbox(services.sessions, handler.handle)
    first = samples.thunderbird(message_id="<a1@x>")
    other = samples.thunderbird(sender="Bob <bob@switchboard.test>", subject="Scanner", message_id="<b1@x>")
    follow_up = samples.thunderbird(
        subject="Re: Printer", body="Model X200", message_id="<a2@x>", headers={"In-Reply-To": "<a1@x>"}
    )
    for key, raw in (("7:1", first), ("7:2", other), ("7:3", follow_up)):
        await inbox.store(key, raw)
    assert await inbox.run_once() == 3
    async with services.sessions() as session:
        tickets = (await session.execute(select(Ticket).order_by(col(Ticket.id)))).scalars().all()
    assert sorted(t.subject for t in tickets) == ["Printer on floor 3 is offline", "Scanner"]
