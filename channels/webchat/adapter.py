"""The web chat's output side: a message for a visitor is stored in their conversation, never sent to a socket."""

from __future__ import annotations

from sqlmodel import col, select

from channels.webchat import events
from channels.webchat.models import WebchatVisitor
from core.db import SessionFactory
from core.delivery import PermanentFailure
from core.fanout import Fanout
from core.messages import OutboundMessage, SendResult


class WebchatAdapter:
    name = events.CHANNEL

    def __init__(self, sessions: SessionFactory, fanout: Fanout) -> None:
        self.sessions, self.fanout = sessions, fanout

    async def send(self, message: OutboundMessage) -> SendResult:
        async with self.sessions() as session:
            query = select(WebchatVisitor).where(col(WebchatVisitor.address) == message.address)
            visitor = (await session.execute(query)).scalar_one_or_none()
        if visitor is None:
            raise PermanentFailure(f"no web-chat visitor {message.address}")
        payload = {
            "kind": "message",
            "from": "agent" if message.meta.get("agent") else "bot",
            "text": message.text,
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
        # A retried send (the worker timed out after we stored it) finds its key and stores nothing.
        event = await events.append(self.sessions, self.fanout, visitor, f"out:{message.id}", payload)
        return SendResult(external_id=str(event.seq) if event is not None else None)
