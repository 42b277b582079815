"""The web chat's output side: a message for a visitor is stored in their conversation, never sent to a socket.

A visitor who left an e-mail and has no widget connected also gets a message about their ticket by
mail: a copy queued on the e-mail channel, so its delivery, retries and failures are those of mail.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import col, select

from channels.webchat import away, events
from channels.webchat.models import WebchatVisitor
from channels.webchat.presence import online
from channels.webchat.texts import texts
from core.db import SessionFactory
from core.delivery import PermanentFailure
from core.desk import Desk
from core.fanout import Fanout
from core.messages import COPY_OF, FAILED_COPY, FROM_CUSTOMER, OutboundMessage, SendResult
from core.timeutil import utcnow


class WebchatAdapter:
    name = events.CHANNEL

    def __init__(
        self, sessions: SessionFactory, fanout: Fanout, desk: Desk, adapters: Mapping[str, object] | None = None
    ) -> None:
        self.sessions, self.fanout, self.desk = sessions, fanout, desk
        # The running app's adapters (filled as channels start): whether the e-mail channel is on.
        self.adapters: Mapping[str, object] = adapters if adapters is not None else {}

    async def send(self, message: OutboundMessage) -> SendResult:
        async with self.sessions() as session:
            query = select(WebchatVisitor).where(col(WebchatVisitor.address) == message.address)
            visitor = (await session.execute(query)).scalar_one_or_none()
        if visitor is None:
            raise PermanentFailure(f"no web-chat visitor {message.address}")
        text = message.text
        if message.kind == FAILED_COPY:  # the mail asking them to confirm their address was refused
            failed = str(message.meta.get("failed_address", ""))
            await away.refused(self.sessions, visitor, failed)
            reason = str(message.meta.get("reason", ""))
            text = texts("email.confirm.failed", message.language, email=failed, reason=reason)
        payload = {
            "kind": "message",
            "from": "visitor" if message.meta.get(FROM_CUSTOMER) else "agent" if message.meta.get("agent") else "bot",
            "text": text,
            "choices": [choice.model_dump() for choice in message.choices],
            "attachments": [
                {
                    "kind": ref.kind,
                    "filename": ref.filename,
                    "mime_type": ref.mime_type,
                    "size": ref.size,
                    "key": ref.storage_key,
                }
                for ref in message.attachments
            ],
            "ticket_id": message.ticket_id,
            # A status notice is drawn as a status line in the widget, not as a chat bubble.
            "status": message.meta.get("ticket_status"),
        }
        if message.meta.get(FROM_CUSTOMER):
            payload["via"] = message.meta.get(COPY_OF)  # the channel they wrote on (a mail)
        if message.kind == FAILED_COPY:
            payload["email_offer"] = True  # a connected widget asks again at once, not on the next visit
        # A retried send (the worker timed out after we stored it) finds its key and stores nothing.
        event = await events.append(self.sessions, self.fanout, visitor, f"out:{message.id}", payload)
        await self._mail_if_away(visitor, message)
        return SendResult(external_id=str(event.seq) if event is not None else None)

    async def _mail_if_away(self, visitor: WebchatVisitor, message: OutboundMessage) -> None:
        # Only what concerns a ticket: the mail joins that ticket's thread and a failure is shown on it.
        if not visitor.email or message.ticket_id is None or not away.mail_on(self.adapters):
            return
        if message.meta.get(FROM_CUSTOMER):  # their own words (a mail of theirs): never mailed back
            return
        if online(visitor, utcnow()):
            return
        # Keyed by the outbox row: a retried send (stored, then timed out) never mails twice.
        await self.desk.send_copy(away.mail_copy(message, visitor.email), key=f"webchat:{message.id}")
