"""Shared pieces of the e-mail tests: settings for the test servers, a durable consumer, mail in
through the core inbox and out to a list."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

from channels.email.adapter import CHANNEL, EmailAdapter
from channels.email.compose import Identity
from channels.email.imap import RawMail
from channels.email.inbound import MailHandler
from channels.email.inbox import door, parser
from channels.email.loops import claim_auto_reply
from channels.email.settings import EmailSettings, Security
from core.services import Services
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.fakes.telegram import FakeTelegram
from tests.support.mailservers import ALICE, PASSWORDS, SUPPORT, MailServers
from tests.support.servers import free_port, serve
from tests.support.telegram import Telegram
from tests.support.telegram_steps import text_of


def email_settings(servers: MailServers, *, imap_security: Security = "none", **overrides: Any) -> EmailSettings:
    ports = {"tls": servers.imaps_port, "starttls": servers.imap_port, "none": servers.imap_port}
    values: dict[str, Any] = {
        "imap_host": servers.host,
        "imap_port": ports[imap_security],
        "imap_security": imap_security,
        "imap_user": SUPPORT,
        "imap_password": PASSWORDS[SUPPORT],
        "imap_poll_interval": 60.0,
        "smtp_host": servers.host,
        "smtp_port": servers.smtp_port,
        "smtp_security": "none",
        "address": SUPPORT,
    }
    values.update(overrides)
    return EmailSettings(_env_file=None, **values)


def customer_mail(number: int, *, sender: str = ALICE) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, SUPPORT, f"Request {number}"
    message["Message-ID"] = f"<request-{number}@customer.test>"
    message.set_content(f"Request number {number}\n")
    return message


class DurableInbox:
    """A consumer like the channel's: stores each mail's Message-ID in a file before returning, and
    drops a mail it already stored. `handed` counts every hand-over, `stored` the mails kept."""

    def __init__(self, path: Path, *, delay: float = 0.0) -> None:
        self.path, self.delay = path, delay
        self.handed: list[str] = []
        self.fail_once: set[str] = set()
        self.hang_after_storing: str | None = None

    @property
    def stored(self) -> list[str]:
        if not self.path.exists():
            return []
        return [json.loads(line)["message_id"] for line in self.path.read_text().splitlines()]

    async def __call__(self, mail: RawMail) -> None:
        parsed = email.message_from_bytes(mail.data, policy=email.policy.default)
        message_id = str(parsed["Message-ID"])
        self.handed.append(message_id)
        if message_id in self.fail_once:
            self.fail_once.discard(message_id)
            raise RuntimeError(f"database down while storing {message_id}")
        await asyncio.sleep(self.delay)
        if message_id in self.stored:
            return
        with self.path.open("a") as file:
            file.write(json.dumps({"message_id": message_id, "external_id": mail.external_id}) + "\n")
        if message_id == self.hang_after_storing:
            await asyncio.Event().wait()  # the process "dies" here: stored, never returns


async def eventually(condition: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)
    return result


def ids(*numbers: int) -> list[str]:
    return [f"<request-{number}@customer.test>" for number in numbers]


class Mailbox:
    """The reader's side without a server: each mail stored at the core inbox's door, then the
    inbox's worker runs until nothing is due (as the channel's plugin wires them)."""

    def __init__(self, services: Services, *, max_file_size: int = 1000) -> None:
        self.inbox = services.inbox
        handler = MailHandler(services.desk, address=SUPPORT, max_file_size=max_file_size)
        services.desk.guard_auto_replies(CHANNEL, claim_auto_reply)
        self.inbox.register(CHANNEL, parser(handler))
        self.on_mail = door(self.inbox)

    async def handle(self, data: bytes, mailbox_key: str) -> None:
        uidvalidity, uid = mailbox_key.split(":")
        await self.on_mail(RawMail(int(uidvalidity), int(uid), data))
        while await self.inbox.run_once():
            pass


class KeptMail:
    """The SMTP seam (`MailSender`) keeping what the channel sends."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)

    @classmethod
    def installed(cls, services: Services) -> KeptMail:
        """A KeptMail behind the e-mail adapter of `services`."""
        kept = cls()
        identity = Identity(SUPPORT, "ACME Support")
        services.adapters[CHANNEL] = EmailAdapter(
            kept, services.desk, services.files, identity=identity, public_url=services.settings.public_url
        )
        return kept


@dataclass
class MailDesk:
    """The real app with e-mail on the test mail servers and the agents' forum on a fake Bot API."""

    fake: FakeTelegram
    telegram: Telegram
    mail: MailServers
    url: str

    async def mails_to(self, user: str, count: int) -> list[EmailMessage]:
        return await self.mail.wait_for_mail(user, count=count, timeout=15)

    async def in_topic(self, thread_id: int, fragment: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.fake.wait_for(
            lambda: next((m for m in self.fake.thread_messages(thread_id) if fragment in text_of(m)), None),
            f"{fragment!r} in topic {thread_id}",
            timeout=15,
        )
        return found


D = TypeVar("D", bound=MailDesk)


@contextlib.asynccontextmanager
async def telegram_and_mail(
    make_settings: Callable[..., AppSettings], mail_servers: MailServers, desk: type[D]
) -> AsyncIterator[D]:
    """`desk` (MailDesk or a test's own kind) over the app started for the test; its group pace lifted."""
    mail = email_settings(mail_servers, imap_poll_interval=0.5, display_name="ACME Support")
    fake, port = FakeTelegram(), free_port()
    async with serve(fake.app, access_log=False) as tg_url:
        settings = make_settings(
            telegram_bot_token=fake.token,
            telegram_api_url=tg_url,
            telegram_agent_chat_id=fake.group_id,
            telegram_group_per_minute=1000,
            public_url=f"http://127.0.0.1:{port}",
            default_language="en",
            outbox_poll_interval=0.1,
            **{f"email_{name}": value for name, value in mail},
        )
        app = build_app(settings)
        async with serve(app, port=port) as url:
            yield desk(fake, Telegram(fake, settings, url, app.state.services), mail_servers, url)
    await fake.close()
