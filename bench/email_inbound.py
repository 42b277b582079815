"""1,000 mails in the support mailbox become tickets: mails per second through IMAP into the desk.

    python -m bench.email_inbound --mails 1000 --backend sqlite
    python -m bench.email_inbound --mails 1000 --backend postgres

Starts the real Dovecot + Postfix of the tests (tests/support/mailservers.py; Debian packages,
run as root), puts --mails mails from --customers senders into support@'s INBOX with IMAP APPEND
(untimed), then starts the e-mail channel (email_plugin: MailboxReader over IMAP, each mail stored
in the core inbox and marked) and the core inbox's worker (each stored mail parsed and received by
the desk), and times until every mail is a ticket. Prints when the reader had stored them all and
when the last ticket existed. Target: >= 50 mails/s.

With LOOKALIKE_MIN_REPORTS=0 in the environment, mass-incident detection is off. The bench's mails
are alike, so they form one suggestion of 1,000 reports: the worst case for detection, whose reads
no longer grow with a suggestion's size nor with the table (core/lookalike.py: walks of
ix_ticket_lookalike that stop at their limits). 2026-12-02: SQLite 57-67 mails/s, PostgreSQL 23-30.
2026-12-07, evening, alternately with eee7bbc: PostgreSQL 56-67 mails/s at 12.4-15.5 ms of this
process's CPU a mail (eee7bbc 39-53), SQLite 71-91 (eee7bbc 56-66). This VM's speed moves a run by a
fifth minutes apart: compare two commits alternately, several times, or compare the desk's CPU with
the two run side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from email.message import EmailMessage

from sqlalchemy import func, select

from bench.databases import add_backend_option, chosen_backends, migrated_services
from channels.email.plugin import email_plugin
from channels.email.settings import EmailSettings
from core.db import SessionFactory
from core.models import InboxEvent, Ticket
from tests.support.mailservers import PASSWORDS, SUPPORT, MailServers, missing_reason, start_mail_servers


def mails(count: int, customers: int) -> list[bytes]:
    result = []
    for i in range(count):
        message = EmailMessage()
        message["From"] = f"Customer {i % customers} <customer{i % customers}@example.net>"
        message["To"] = SUPPORT
        message["Subject"] = f"Printer {i} does not print"
        message["Message-ID"] = f"<bench-{i}@example.net>"
        message["Date"] = "Wed, 02 Dec 2026 03:00:00 +0000"
        message.set_content(f"Hello, printer {i} on the third floor prints blank pages since this morning.\n")
        result.append(message.as_bytes())
    return result


async def count(sessions: SessionFactory, model: type[Ticket] | type[InboxEvent]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def run(servers: MailServers, backend: str, total: int, customers: int) -> dict[str, float]:
    await asyncio.to_thread(servers.clear_mailboxes)
    started = time.perf_counter()
    await asyncio.to_thread(servers.append_sync, SUPPORT, mails(total, customers))
    appended = time.perf_counter() - started
    settings = EmailSettings(
        _env_file=None,
        imap_host=servers.host,
        imap_port=servers.imap_port,
        imap_security="none",
        imap_user=SUPPORT,
        imap_password=PASSWORDS[SUPPORT],
        smtp_host=servers.host,
        smtp_port=servers.smtp_port,
        smtp_security="none",
        address=SUPPORT,
    )
    async with migrated_services(backend) as services:
        plugin = email_plugin(services, settings)
        assert plugin is not None and plugin.start is not None and plugin.stop is not None
        started, cpu = time.perf_counter(), time.process_time()
        worker = asyncio.create_task(services.inbox.run(), name="inbox-worker")
        await plugin.start()
        stored_at = None
        try:
            while (tickets := await count(services.sessions, Ticket)) < total:
                if stored_at is None and await count(services.sessions, InboxEvent) >= total:
                    stored_at = time.perf_counter() - started
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        finally:
            await plugin.stop()
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
    return {
        "appended": appended,
        "stored": stored_at or elapsed,
        "seconds": elapsed,
        "tickets": tickets,
        "rate": total / elapsed,
        "cpu_ms": 1000 * cpu / total,
    }


async def run_all(backends: list[str], total: int, customers: int) -> None:
    started = time.perf_counter()
    servers = await asyncio.to_thread(start_mail_servers)
    print(f"Dovecot + Postfix started in {time.perf_counter() - started:.2f}s")
    try:
        for backend in backends:
            result = await run(servers, backend, total, customers)
            print(
                f"{backend:8} {total} mails (APPEND {result['appended']:.2f}s): all stored by the reader after "
                f"{result['stored']:.2f}s, {int(result['tickets'])} tickets after {result['seconds']:.2f}s "
                f"= {result['rate']:.0f} mails/s, {result['cpu_ms']:.1f} ms of this process's CPU a mail"
            )
    finally:
        servers.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=1000, help="distinct senders (each mail opens a ticket)")
    add_backend_option(parser)
    args = parser.parse_args()
    reason = missing_reason()
    if reason is not None:
        parser.exit(1, f"{reason}\n")
    asyncio.run(run_all(chosen_backends(args), args.mails, args.customers))


if __name__ == "__main__":
    main()
