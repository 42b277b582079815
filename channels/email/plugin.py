"""The e-mail channel: the support mailbox read over IMAP into the desk, replies out over SMTP.

Composes the transport (`MailboxReader`, `SmtpSender`) with the content side: each mail is stored
by `on_mail` before the reader marks it done, and processed from the stored copy. Moving to the
core durable inbox is one call: pass its `store` as `on_mail` and register `handler.handle` with it.
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.base import ChannelPlugin
from channels.email.adapter import CHANNEL, EmailAdapter, MailSender
from channels.email.compose import Identity
from channels.email.imap import MailboxReader, RawMail
from channels.email.inbound import MailHandler
from channels.email.inbox import MailInbox
from channels.email.progress import DatabaseMailboxState
from channels.email.settings import EmailSettings
from channels.email.smtp import SmtpSender
from core.services import Services


def email_plugin(
    services: Services, settings: EmailSettings | None = None, *, sender: MailSender | None = None
) -> ChannelPlugin | None:
    """Off until EMAIL_IMAP_HOST, EMAIL_SMTP_HOST and EMAIL_ADDRESS are set."""
    settings = settings or EmailSettings()
    if not settings.enabled:
        return None
    handler = MailHandler(
        services.desk, services.sessions, address=settings.address, max_file_size=settings.max_attachment_size
    )
    inbox = MailInbox(services.sessions, handler.handle, poll_interval=services.settings.outbox_poll_interval)

    async def on_mail(raw: RawMail) -> None:
        await inbox.store(f"{raw.uidvalidity}:{raw.uid}", raw.data)

    reader = MailboxReader(settings, on_mail, state=DatabaseMailboxState(services.sessions))
    identity = Identity(address=settings.address.lower(), display_name=settings.display_name)
    adapter = EmailAdapter(
        sender or SmtpSender(settings),
        services.desk,
        services.files,
        identity=identity,
        public_url=services.settings.public_url,
    )
    task: asyncio.Task[None] | None = None

    async def start() -> None:
        nonlocal task
        task = asyncio.create_task(inbox.run(), name="email-inbox")  # also mails stored before a restart
        await reader.start()

    async def stop() -> None:
        await reader.stop()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return ChannelPlugin(name=CHANNEL, adapters={CHANNEL: adapter}, start=start, stop=stop)
