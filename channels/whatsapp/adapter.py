"""The outbound side: core messages to WhatsApp, within the 24-hour window or as a template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from channels.whatsapp.graph import GraphClient
from channels.whatsapp.models import WhatsAppSent
from channels.whatsapp.render import Part, media_part, render, template
from channels.whatsapp.settings import WhatsAppSettings
from channels.whatsapp.texts import texts
from core.db import SessionFactory, transaction
from core.delivery import PermanentFailure
from core.files import FileStore
from core.i18n import pick_language
from core.messages import AttachmentRef, OutboundMessage, SendResult
from core.timeutil import utcnow
from core.views import last_inbound_at, status_name

CHANNEL = "whatsapp"
WINDOW = timedelta(hours=24)


class WhatsAppAdapter:
    name = CHANNEL

    def __init__(
        self, graph: GraphClient, sessions: SessionFactory, files: FileStore, settings: WhatsAppSettings, language: str
    ) -> None:
        self.graph, self.sessions, self.files, self.settings, self.language = graph, sessions, files, settings, language

    async def send(self, message: OutboundMessage) -> SendResult:
        """Send every part not yet accepted by Meta; a retry continues after the last part that went."""
        parts = render(message) if await self.window_open(message.address) else [self.outside_window(message)]
        done = await self.sent_parts(message.id)
        wamids = list(done.values())
        for number, part in enumerate(parts):
            if number in done:
                continue
            wamid = await self.graph.send(message.address, await self.prepare(part))
            await self.remember(message, number, wamid)
            wamids.append(wamid)
        return SendResult(external_id=wamids[0] if wamids else None)

    async def window_open(self, address: str) -> bool:
        async with self.sessions() as session:
            last = await last_inbound_at(session, CHANNEL, address)
        return last is not None and utcnow() - last < WINDOW

    def outside_window(self, message: OutboundMessage) -> dict[str, Any]:
        """The template for a status notice; anything else cannot go, and the agents are told why."""
        language = self.language
        status, number = message.meta.get("ticket_status"), message.meta.get("ticket_number")
        if status is None or number is None:
            raise PermanentFailure(texts("window_closed", language))
        if not self.settings.template_name:
            raise PermanentFailure(texts("no_template", language))
        code = self.settings.template_language
        readable = status_name(status, pick_language(code, self.language))
        return template(self.settings.template_name, code, [str(number), readable])

    async def prepare(self, part: Part) -> dict[str, Any]:
        if not isinstance(part, AttachmentRef):
            return part
        name = part.filename or "file"
        if not part.storage_key:
            raise PermanentFailure(texts("missing_file", self.language, name=name))
        try:
            content = self.files.read(part.storage_key)
        except (OSError, ValueError) as error:
            raise PermanentFailure(texts("missing_file", self.language, name=name)) from error
        media_id = await self.graph.upload(content, part.mime_type or "application/octet-stream", name)
        return media_part(part, media_id)

    async def sent_parts(self, outbox_id: int) -> dict[int, str]:
        if not outbox_id:
            return {}
        async with self.sessions() as session:
            query = select(WhatsAppSent.part, WhatsAppSent.wamid).where(col(WhatsAppSent.outbox_id) == outbox_id)
            return {part: wamid for part, wamid in (await session.execute(query)).all()}

    async def remember(self, message: OutboundMessage, part: int, wamid: str) -> None:
        if not message.id:
            return  # sent outside the outbox (tests of the adapter alone): nothing to resume
        async with transaction(self.sessions) as session:
            session.add(WhatsAppSent(outbox_id=message.id, part=part, wamid=wamid, recipient=message.address))
