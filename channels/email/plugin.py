"""The e-mail channel: the support mailbox read over IMAP into the desk, replies out over SMTP.

Composes the transport (`MailboxReader`, `SmtpSender`) with the content side: each mail is stored
in the core inbox before the reader marks it done, and the inbox's worker turns the stored copy
into the desk's message (`channels/email/inbox.py`).
"""

from __future__ import annotations

from channels.base import ChannelPlugin
from channels.email.adapter import CHANNEL, EmailAdapter, MailSender
from channels.email.compose import Identity
from channels.email.imap import MailboxReader
from channels.email.inbound import MailHandler
from channels.email.inbox import door, parser
from channels.email.loops import claim_auto_reply
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
    handler = MailHandler(services.desk, address=settings.address, max_file_size=settings.max_attachment_size)
    # At most one automatic reply per sender per hour, taken in the transaction that sends it.
    services.desk.guard_auto_replies(CHANNEL, claim_auto_reply)
    # Mails stored by the reader (also those left by a crash) are handled by the core inbox's worker.
    services.inbox.register(CHANNEL, parser(handler))
    reader = MailboxReader(settings, door(services.inbox), state=DatabaseMailboxState(services.sessions))
    identity = Identity(address=settings.address.lower(), display_name=settings.display_name)
    adapter = EmailAdapter(
        sender or SmtpSender(settings),
        services.desk,
        services.files,
        identity=identity,
        public_url=services.settings.public_url,
    )
    return ChannelPlugin(name=CHANNEL, adapters={CHANNEL: adapter}, start=reader.start, stop=reader.stop)
