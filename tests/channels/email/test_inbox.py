"""Mail through the core inbox: stored before the server marks it, each mail once across a kill -9,
a refused mail parked with its reason, a bounce failing our mail."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from channels.email.adapter import CHANNEL
from channels.email.imap import MailboxReader, RawMail
from channels.email.imap_client import DONE_KEYWORD
from channels.email.inbox import door
from channels.email.progress import DatabaseMailboxState
from core.db import SessionFactory, create_engine, create_session_factory
from core.inbox_queue import DONE, PARKED
from core.messages import AGENT_DESK
from core.models import InboxEvent, Message, OutboxMessage, OutboxStatus, Ticket
from core.services import Services
from core.settings import Settings
from switchboard.settings import AppSettings
from tests.channels.email import samples
from tests.channels.email.helpers import KeptMail, Mailbox, customer_mail, email_settings, eventually
from tests.ops.instances import Instance, instance_env
from tests.support.mailservers import SUPPORT, MailServers


async def count(sessions: SessionFactory, model: Any, *where: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def events(sessions: SessionFactory) -> list[InboxEvent]:
    async with sessions() as session:
        return list((await session.execute(select(InboxEvent).order_by(col(InboxEvent.id)))).scalars())


async def test_a_mail_is_in_the_core_inbox_before_the_server_marks_it(
    mail_servers: MailServers, services: Services
) -> None:
    await asyncio.to_thread(mail_servers.append_sync, SUPPORT, [customer_mail(n).as_bytes() for n in range(1, 4)])
    store = door(services.inbox)
    seen_at_store: list[tuple[bool, bool]] = []

    async def on_mail(raw: RawMail) -> None:
        await store(raw)
        # on_mail has returned nothing yet: the reader has not marked this mail on the server.
        stored = f"{raw.uidvalidity}:{raw.uid}" in {event.external_id for event in await events(services.sessions)}
        flags = await asyncio.to_thread(mail_servers.flags_sync, SUPPORT)
        seen_at_store.append((stored, DONE_KEYWORD in flags[raw.uid]))

    reader = MailboxReader(email_settings(mail_servers), on_mail, state=DatabaseMailboxState(services.sessions))
    await reader.start()
    try:
        await eventually(lambda: len(seen_at_store) == 3, "three mails handed over")
        flags = await eventually(
            lambda: (f := mail_servers.flags_sync(SUPPORT)) and all(DONE_KEYWORD in v for v in f.values()) and f,
            "all three marked",
        )
    finally:
        await reader.stop()
    assert seen_at_store == [(True, False)] * 3
    assert len(flags) == 3
    assert [(e.channel, e.conversation) for e in await events(services.sessions)] == [
        (CHANNEL, "alice@switchboard.test")
    ] * 3


async def test_killed_mid_batch_then_restarted_every_mail_becomes_one_ticket_once(
    mail_servers: MailServers, migrated: Settings, make_settings: Callable[..., AppSettings], tmp_path: Path
) -> None:
    # Enough that the kill (at the 5th ticket) comes well before the last: with 60 a loaded CI
    # machine once saw all of them handled before the kill landed.
    total = 200
    # Unknown users of the test domain: Postfix refuses the automatic replies at once, no bounces come back.
    mails = [customer_mail(n, sender=f"customer{n}@switchboard.test").as_bytes() for n in range(total)]
    await asyncio.to_thread(mail_servers.append_sync, SUPPORT, mails)
    env = instance_env(
        database_url=migrated.resolved_database_url,
        data_dir=str(tmp_path / "data"),
        outbox_poll_interval="0.2",
        default_language="en",
        **{f"email_{name}": str(value) for name, value in email_settings(mail_servers, imap_poll_interval=0.5)},
    )
    engine = create_engine(migrated.resolved_database_url)
    sessions = create_session_factory(engine)
    first = Instance("first", env, tmp_path)
    try:
        await first.ready()
        await eventually_async(lambda: count(sessions, Ticket), lambda n: n >= 5, "the first tickets", 60)
        first.process.kill()  # kill -9: stored mails not yet handled, a mail maybe stored and not marked
        first.process.wait()
        at_kill = await count(sessions, Ticket)
        assert at_kill < total, "the kill came after the whole batch"

        second = Instance("second", env, tmp_path)
        try:
            await second.ready()
            await eventually_async(lambda: count(sessions, Ticket), lambda n: n >= total, "every ticket", 120)
            await asyncio.sleep(1.0)  # anything handled twice would show now
            assert await count(sessions, Ticket) == total
            assert await count(sessions, Message, col(Message.direction) == "in") == total
            stored = await events(sessions)
            assert len(stored) == total and {e.status for e in stored} == {DONE}
            flags = await asyncio.to_thread(mail_servers.flags_sync, SUPPORT)
            assert len(flags) == total and all(DONE_KEYWORD in v for v in flags.values())
        finally:
            second.stop()
    finally:
        first.stop()
        await engine.dispose()


async def eventually_async(
    read: Callable[[], Any], good: Callable[[Any], bool], what: str, timeout: float = 10.0
) -> Any:
    deadline = time.monotonic() + timeout
    while not good(value := await read()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {value})")
        await asyncio.sleep(0.02)
    return value


async def test_a_mail_handed_over_twice_is_stored_once_and_becomes_one_ticket(services: Services) -> None:
    mailbox = Mailbox(services)
    await mailbox.handle(samples.thunderbird(), "7:1")
    await mailbox.handle(samples.thunderbird(), "7:1")  # the reader repeats a hand-over after a crash
    # The same mail again under a new UIDVALIDITY: a second event, but its Message-ID is already known.
    await mailbox.handle(samples.thunderbird(), "8:1")
    assert [(e.external_id, e.status) for e in await events(services.sessions)] == [("7:1", DONE), ("8:1", DONE)]
    assert await count(services.sessions, Ticket) == 1


async def test_a_refused_mail_is_parked_at_once_with_its_reason(services: Services) -> None:
    mailbox = Mailbox(services)
    await mailbox.handle(samples.thunderbird(sender="Support <support@switchboard.test>"), "7:1")
    [event] = await events(services.sessions)
    assert (event.status, event.attempts) == (PARKED, 1)  # not retried: no attempt can give it a sender
    assert event.last_error == "MailRefused: no sender address, or our own (support@switchboard.test)"
    assert await count(services.sessions, Ticket) == 0
    told = await count(
        services.sessions,
        OutboxMessage,
        col(OutboxMessage.channel) == AGENT_DESK,
        col(OutboxMessage.kind) == "inbound_parked",
    )
    assert told == 1


async def test_a_mail_from_an_overlong_address_is_stored_and_parked(services: Services) -> None:
    # Longer than inbox_event.conversation: PostgreSQL would refuse the row, and the reader would
    # hand the mail over again and again.
    sender = f"{'a' * 200}@switchboard.test"
    await Mailbox(services).handle(samples.thunderbird(sender=f"Long <{sender}>"), "7:1")
    [event] = await events(services.sessions)
    assert (event.status, event.conversation) == (PARKED, sender[:160])
    assert event.last_error == "MailRefused: sender address longer than 128 characters"


async def test_a_bounce_marks_our_mail_failed_and_opens_no_ticket(services: Services) -> None:
    mailbox, outbox = Mailbox(services), KeptMail.installed(services)
    await mailbox.handle(samples.thunderbird(), "7:1")
    while await services.worker.run_once():
        pass
    [auto_reply] = outbox.sent
    await mailbox.handle(samples.bounce(original_message_id=auto_reply["Message-ID"]), "7:2")
    async with services.sessions() as session:
        query = select(OutboxMessage).where(col(OutboxMessage.external_id) == auto_reply["Message-ID"])
        failed = (await session.execute(query)).scalar_one()
    assert failed.status == OutboxStatus.FAILED and "5.1.1" in (failed.last_error or "")
    assert [e.status for e in await events(services.sessions)] == [DONE, DONE]
    assert await count(services.sessions, Ticket) == 1
    told = await count(
        services.sessions,
        OutboxMessage,
        col(OutboxMessage.channel) == AGENT_DESK,
        col(OutboxMessage.kind) == "delivery_failed",
    )
    assert told == 1
