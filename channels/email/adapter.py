"""The "email" channel adapter: outbox messages out as threaded mail through the SMTP sender."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

from channels.email.compose import Identity, MailFile, compose, message_id
from core.delivery import PermanentFailure
from core.desk import Desk
from core.files import FileStore
from core.messages import OutboundMessage, SendResult

CHANNEL = "email"
KEY_NAME = "email-message-id"


class MailSender(Protocol):
    """The transport's `SmtpSender`: raises RetryLater on 4xx/timeouts, PermanentFailure on 5xx."""

    async def send(self, message: EmailMessage) -> None: ...


class EmailAdapter:
    name = CHANNEL

    def __init__(
        self, sender: MailSender, desk: Desk, files: FileStore, *, identity: Identity, public_url: str = ""
    ) -> None:
        self.sender, self.desk, self.files = sender, desk, files
        self.identity, self.public_url = identity, public_url
        self._key: bytes | None = None

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.kind != "text":
            raise PermanentFailure(f"e-mail has no rendering for {message.kind!r}")
        thread = await self.desk.thread(CHANNEL, message.ticket_id) if message.ticket_id is not None else None
        if self._key is None:
            self._key = await self.desk.installation_key(KEY_NAME)
        own_id = message_id(self._key, message.id, self.identity.domain)
        files = [
            MailFile(
                ref.filename or f"file-{ref.id}",
                ref.mime_type or "application/octet-stream",
                self.files.read(ref.storage_key),
            )
            for ref in message.attachments
            if ref.storage_key
        ]
        mail = compose(message, thread, sender=self.identity, own_id=own_id, files=files, public_url=self.public_url)
        await self.sender.send(mail)
        # Stored as the outbox row's external id: a reply's In-Reply-To/References find the ticket by it.
        return SendResult(external_id=own_id)
