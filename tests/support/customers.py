"""A customer talking to the core directly, for tests of the core alone."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from core.messages import InboundAttachment, InboundMessage
from core.models import OutboxMessage, Ticket
from core.services import Services

_ids = itertools.count(1)


class CoreCustomer:
    def __init__(self, services: Services, address: str = "alice", *, channel: str = "test", language: str = "en"):
        self.services, self.address, self.channel, self.language = services, address, channel, language
        self.name: str | None = address.title()  # None: a customer who gave no name (an anonymous web visitor)
        self._seen = 0

    async def say(
        self,
        text: str = "",
        *,
        choice: str | None = None,
        files: list[InboundAttachment] | None = None,
        reply_to: str | None = None,
        external_id: str | None = None,
    ) -> list[OutboxMessage]:
        """Send a message and return what the core queued for this customer in response."""
        await self.services.desk.receive(
            InboundMessage(
                channel=self.channel,
                sender=self.address,
                external_id=external_id or f"m{next(_ids)}",
                text=text,
                choice=choice,
                attachments=files or [],
                reply_to=reply_to,
                sender_name=self.name,
                language=self.language,
            )
        )
        return await self.replies()

    async def replies(self) -> list[OutboxMessage]:
        """Messages queued for this customer since the last look."""
        async with self.services.sessions() as session:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel == self.channel,
                    OutboxMessage.address == self.address,
                    OutboxMessage.id > self._seen,  # type: ignore[operator]
                )
                .order_by(OutboxMessage.id)  # type: ignore[arg-type]
            )
            rows = list((await session.execute(query)).scalars())
        if rows:
            self._seen = rows[-1].id or self._seen
        return rows

    async def open_ticket(self, subject: str = "Camera is down", **answers: Any) -> Ticket:
        await self.say("hello")
        await self.say(choice=answers.get("type", "type:incident"))
        await self.say(subject)
        await self.say(answers.get("description", "The recorder shows a black screen since 9:00."))
        await self.say(choice="nav:skip")
        async with self.services.sessions() as session:
            query = select(Ticket).where(Ticket.subject == subject, Ticket.address == self.address)
            return (await session.execute(query.order_by(Ticket.id.desc()))).scalars().first()  # type: ignore[union-attr]


def texts_of(rows: list[OutboxMessage]) -> list[str]:
    return [row.payload["text"] for row in rows]


def choice_ids(row: OutboxMessage) -> list[str]:
    return [choice["id"] for choice in row.payload["choices"]]


def png(size: int = 64) -> InboundAttachment:
    content = b"\x89PNG\r\n\x1a\n" + bytes(size)
    return InboundAttachment(kind="image", filename="screen.png", mime_type="image/png", content=content)
