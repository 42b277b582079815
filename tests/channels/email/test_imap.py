"""MailboxReader against the real Dovecot: each mail once, IDLE, reconnects, restarts, failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from channels.email.imap import MailboxReader, RawMail
from channels.email.imap_client import DONE_KEYWORD
from channels.email.progress import DatabaseMailboxState, Progress
from channels.email.settings import EmailSettings, Security
from core.services import Services
from tests.channels.email.helpers import DurableInbox, customer_mail, email_settings, eventually, ids
from tests.channels.email.imap_proxy import LesserServer
from tests.support.mailservers import SUPPORT, MailServers

ReaderFactory = Callable[..., MailboxReader]


@pytest.fixture
def inbox(tmp_path: Path) -> DurableInbox:
    return DurableInbox(tmp_path / "stored.jsonl")


@pytest.fixture
async def make_reader(
    mail_servers: MailServers, services: Services, inbox: DurableInbox
) -> AsyncIterator[ReaderFactory]:
    """Builds started-later readers on the support mailbox that share one database state; stops them all."""
    readers: list[MailboxReader] = []

    def _make(settings: EmailSettings | None = None, **kwargs: object) -> MailboxReader:
        reader = MailboxReader(
            settings or email_settings(mail_servers),
            inbox,
            state=DatabaseMailboxState(services.sessions),
            ssl_context=mail_servers.ssl_context(),
            backoff=(0.05, 0.5),
            **kwargs,  # type: ignore[arg-type]
        )
        readers.append(reader)
        return reader

    yield _make
    for reader in readers:
        await reader.stop()


async def _append(servers: MailServers, numbers: range) -> None:
    await asyncio.to_thread(servers.append_sync, SUPPORT, [customer_mail(n).as_bytes() for n in numbers])


@pytest.mark.parametrize("security", ["tls", "starttls", "none"])
async def test_each_mail_is_handed_over_once_in_uid_order_then_marked(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox, security: Security
) -> None:
    await _append(mail_servers, range(1, 6))
    reader = make_reader(email_settings(mail_servers, imap_security=security))

    await reader.start()
    await eventually(lambda: len(inbox.stored) == 5, "five mails stored")
    await eventually(lambda: reader.idling, "the reader in IDLE")
    await reader.stop()

    assert inbox.handed == ids(1, 2, 3, 4, 5)
    flags = await asyncio.to_thread(mail_servers.flags_sync, SUPPORT)
    assert all({"\\Seen", DONE_KEYWORD} <= set(mail_flags) for mail_flags in flags.values())
    # A restart hands over nothing again.
    again = make_reader(email_settings(mail_servers, imap_security=security))
    await again.start()
    await eventually(lambda: again.idling, "the second reader in IDLE")
    assert inbox.handed == ids(1, 2, 3, 4, 5)


async def test_the_first_start_takes_unread_mail_not_the_read_past(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox
) -> None:
    await _append(mail_servers, range(1, 5))
    with mail_servers.imap(SUPPORT) as client:
        client.select("INBOX")
        # Someone read mails 1, 2 and 4 in a mail program before the desk was set up.
        client.store("1,2,4", "+FLAGS", "(\\Seen)")
    reader = make_reader()
    await reader.start()
    await eventually(lambda: inbox.stored == ids(3), "the unread mail stored")
    await eventually(lambda: reader.idling, "the reader in IDLE")

    await _append(mail_servers, range(5, 6))
    await eventually(lambda: inbox.stored == ids(3, 5), "the new mail stored")
    await reader.stop()

    again = make_reader()
    await again.start()
    await eventually(lambda: again.idling, "the restarted reader in IDLE")
    assert inbox.handed == ids(3, 5)


async def test_a_mail_arriving_while_idle_is_handed_over_at_once(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox
) -> None:
    # Polling only every minute: within the few seconds below, only IDLE can bring the mail.
    reader = make_reader(email_settings(mail_servers, imap_security="tls", imap_poll_interval=60.0))
    await reader.start()
    await eventually(lambda: reader.idling, "the reader in IDLE")

    await mail_servers.send_mail(customer_mail(1))

    await eventually(lambda: inbox.stored == ids(1), "the mail handed over", timeout=3.0)


async def test_idle_is_reissued_and_keeps_receiving(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox
) -> None:
    reader = make_reader(idle_renew=0.2)
    await reader.start()
    await eventually(lambda: reader.idling, "the reader in IDLE")
    await asyncio.sleep(1.0)  # five renewals

    await mail_servers.send_mail(customer_mail(1))

    await eventually(lambda: inbox.stored == ids(1), "the mail handed over", timeout=3.0)
    assert reader.connections == 1


async def test_a_thousand_waiting_mails_are_all_handed_over(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox
) -> None:
    # Regression: one FETCH of 1,000 sizes overflowed aioimaplib's recursive answer parser, and
    # the reader reconnected forever without handing anything over.
    await _append(mail_servers, range(1, 1001))
    reader = make_reader()
    await reader.start()

    await eventually(lambda: len(inbox.handed) == 1000, "1,000 mails handed over", timeout=30)
    assert inbox.handed == ids(*range(1, 1001))
    assert reader.connections == 1


@pytest.mark.parametrize("lesser", [{"idle": False}, {"refuse_idle": True}], ids=["without-idle", "idle-refused"])
async def test_a_server_without_a_working_idle_is_polled_on_the_same_connection(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox, lesser: dict[str, bool]
) -> None:
    async with LesserServer(mail_servers.host, mail_servers.imap_port, **lesser) as port:
        reader = make_reader(email_settings(mail_servers, imap_port=port, imap_poll_interval=0.2))
        await reader.start()
        await _append(mail_servers, range(1, 2))
        await eventually(lambda: inbox.stored == ids(1), "the first mail handed over")
        await _append(mail_servers, range(2, 3))
        await eventually(lambda: inbox.stored == ids(1, 2), "the second mail handed over by polling")

        assert not reader.idling
        assert reader.connections == 1


async def test_dovecot_restarted_mid_batch_loses_and_doubles_nothing(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox
) -> None:
    inbox.delay = 0.03
    await _append(mail_servers, range(1, 31))
    reader = make_reader()
    await reader.start()
    await eventually(lambda: len(inbox.stored) >= 5, "the batch under way")

    await asyncio.to_thread(mail_servers.restart_dovecot)
    await _append(mail_servers, range(31, 34))

    await eventually(lambda: len(inbox.stored) == 33, "all 33 mails stored", timeout=20)
    assert sorted(inbox.stored) == sorted(ids(*range(1, 34)))
    assert reader.connections >= 2
    # At most the mail whose mark the restart cut off came twice (and was dropped by the consumer).
    assert len(inbox.handed) - 33 <= 1


async def test_reader_killed_mid_batch_then_restarted_hands_every_mail_over_once(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox
) -> None:
    await _append(mail_servers, range(1, 21))
    # Mail 8 is stored, then the process "dies" before on_mail returns: it is never marked.
    inbox.hang_after_storing = ids(8)[0]
    first = make_reader(stop_grace=0.2)
    await first.start()
    await eventually(lambda: len(inbox.stored) == 8, "eight mails stored")
    await first.stop()
    assert len(inbox.stored) == 8

    second = make_reader()
    await second.start()

    await eventually(lambda: len(inbox.stored) == 20, "all 20 mails stored")
    assert inbox.stored == ids(*range(1, 21))
    # Mail 8 was handed over twice: the consumer dropped the second by its id. Nothing else twice.
    assert inbox.handed == ids(*range(1, 9)) + ids(*range(8, 21))


async def test_on_a_server_without_keywords_each_mail_is_recorded_before_the_next(
    mail_servers: MailServers, services: Services, inbox: DurableInbox
) -> None:
    await _append(mail_servers, range(1, 6))
    state = DatabaseMailboxState(services.sessions)
    recorded_before: list[int] = []
    uids: list[int] = []

    async def on_mail(mail: RawMail) -> None:
        progress = await state.load(reader.mailbox)
        recorded_before.append(0 if progress is None else progress.last_uid)
        uids.append(mail.uid)
        await inbox(mail)

    async with LesserServer(mail_servers.host, mail_servers.imap_port, keywords=False) as port:
        settings = email_settings(mail_servers, imap_port=port)
        reader = MailboxReader(settings, on_mail, state=state)
        await reader.start()
        try:
            await eventually(lambda: len(inbox.stored) == 5, "all five stored")
        finally:
            await reader.stop()

    # Nothing but the record would keep a handed-over mail from coming again after a crash.
    assert recorded_before == [0, *uids[:-1]]
    flags = await asyncio.to_thread(mail_servers.flags_sync, SUPPORT)
    assert all("\\Seen" in mail_flags and DONE_KEYWORD not in mail_flags for mail_flags in flags.values())


async def test_two_readers_at_once_store_each_mail_once(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox
) -> None:
    inbox.delay = 0.01
    await _append(mail_servers, range(1, 21))
    readers = [make_reader(), make_reader()]
    for reader in readers:
        await reader.start()

    await eventually(lambda: len(inbox.stored) == 20, "all 20 mails stored")
    await _append(mail_servers, range(21, 23))
    await eventually(lambda: len(inbox.stored) == 22, "two more stored")

    assert sorted(inbox.stored) == sorted(ids(*range(1, 23)))


async def test_a_mail_whose_storing_fails_is_not_marked_and_comes_again(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox
) -> None:
    await _append(mail_servers, range(1, 4))
    inbox.fail_once = set(ids(2))
    reader = make_reader()
    await reader.start()

    await eventually(lambda: len(inbox.stored) == 3, "all three stored")

    assert inbox.handed == ids(1, 2, 2, 3)
    assert inbox.stored == ids(1, 2, 3)


async def test_a_new_uidvalidity_starts_over_and_the_consumer_drops_what_it_has(
    mail_servers: MailServers, make_reader: ReaderFactory, inbox: DurableInbox, services: Services
) -> None:
    with mail_servers.imap(SUPPORT) as client:
        client.create("Requests")
    settings = email_settings(mail_servers, imap_folder="Requests")
    await asyncio.to_thread(mail_servers.append_sync, SUPPORT, [customer_mail(1).as_bytes()], folder="Requests")
    reader = make_reader(settings)
    await reader.start()
    await eventually(lambda: inbox.stored == ids(1), "the first mail stored")
    await reader.stop()
    state = DatabaseMailboxState(services.sessions)
    before = await state.load(reader.mailbox)

    # The folder is rebuilt (as after a server migration): new UIDVALIDITY, UIDs from 1 again.
    # Dovecot takes a new folder's UIDVALIDITY from the clock's second: let one pass.
    await asyncio.sleep(1.1)
    with mail_servers.imap(SUPPORT) as client:
        client.delete("Requests")
        client.create("Requests")
    await asyncio.to_thread(
        mail_servers.append_sync, SUPPORT, [customer_mail(n).as_bytes() for n in (1, 2)], folder="Requests"
    )
    again = make_reader(settings)
    await again.start()

    await eventually(lambda: inbox.stored == ids(1, 2), "the new mail stored")
    assert inbox.handed == ids(1, 1, 2)
    await again.stop()  # the progress is recorded before it stops
    after = await state.load(reader.mailbox)
    assert before is not None and after is not None
    assert after.uidvalidity != before.uidvalidity
    assert after == Progress(after.uidvalidity, 2)
