"""The inbound side: stored webhook batches turned into core messages, files and receipts."""

from __future__ import annotations

import logging
import mimetypes

from channels.whatsapp.graph import GraphClient, TooLarge
from channels.whatsapp.payload import Batch, WaMessage
from channels.whatsapp.statuses import ReceiptTooEarly, record_status
from channels.whatsapp.texts import texts
from core.db import transaction
from core.delivery import PermanentFailure, RetryLater
from core.desk import Answer, Desk
from core.messages import AttachmentKind, InboundAttachment, InboundMessage

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
MEDIA_KINDS: dict[str, AttachmentKind] = {"image": "image", "document": "document", "audio": "audio", "video": "video"}
# Not customers' words: a changed number and the like. Nothing to answer.
SILENT_TYPES = {"system", "request_welcome"}


class BatchIncomplete(Exception):
    """Some messages of a batch must be tried again; the others are done and will be skipped."""

    def __init__(self, errors: list[Exception]) -> None:
        super().__init__("; ".join(f"{type(e).__name__}: {e}" for e in errors))
        delays = [e.retry_after for e in errors if isinstance(e, RetryLater) and e.retry_after is not None]
        self.retry_after = max(delays) if delays else None


class Notice:
    def __init__(self, key: str, **values: object) -> None:
        self.key, self.values = key, values


class InboundHandler:
    def __init__(self, desk: Desk, graph: GraphClient, *, phone_number_id: str, max_file_size: int) -> None:
        self.desk, self.graph = desk, graph
        self.phone_number_id, self.max_file_size = phone_number_id, max_file_size

    async def handle(self, batch: Batch) -> None:
        """Every message and receipt of a batch; one failing message never holds up the others."""
        errors: list[Exception] = []
        for message in batch.messages:
            try:
                await self.message(message)
            except Exception as error:
                log.warning("whatsapp message %s will be retried: %s", message.wamid, error)
                errors.append(error)
        if batch.statuses:
            try:
                async with transaction(self.desk.sessions) as session:
                    failed = [await record_status(session, status) for status in batch.statuses]
                if any(failed):
                    self.desk.on_queued()
            except ReceiptTooEarly as error:
                errors.append(error)  # receipts are idempotent: the whole list is applied again
        if errors:
            raise BatchIncomplete(errors)

    async def message(self, message: WaMessage) -> None:
        if message.phone_number_id and message.phone_number_id != self.phone_number_id:
            log.info("whatsapp message %s is for number %s, not ours", message.wamid, message.phone_number_id)
            return
        # Already handled: skip the media download a duplicate would otherwise repeat.
        if message.type in SILENT_TYPES or await self.desk.seen(CHANNEL, message.wamid):
            return
        notices: list[Notice] = []
        inbound = await self.convert(message, notices)
        if inbound is None:
            await self.answer_only(message, notices or [Notice("unsupported")])
            return
        received = await self.desk.receive(inbound)
        if notices and not received.duplicate:
            await self.desk.tell(CHANNEL, message.sender, answer(notices))

    async def convert(self, message: WaMessage, notices: list[Notice]) -> InboundMessage | None:
        content = message.content
        inbound = InboundMessage(
            channel=CHANNEL,
            sender=message.sender,
            external_id=message.wamid,
            sender_name=message.name,
            reply_to=message.reply_to,
            sent_at=message.sent_at,
        )
        if message.type == "text":
            inbound.text = str(content.get("body", ""))
        elif message.type == "interactive":
            reply = content.get(str(content.get("type")))
            if not isinstance(reply, dict) or not reply.get("id"):
                return None
            inbound.choice = str(reply["id"])
        elif message.type == "button":
            inbound.text = str(content.get("text") or content.get("payload") or "")
        elif message.type in MEDIA_KINDS:
            inbound.text = str(content.get("caption") or "")
            attachment = await self.fetch(message, notices)
            if attachment is None and not inbound.text:
                return None
            inbound.attachments = [attachment] if attachment else []
        else:
            return None
        return inbound

    async def fetch(self, message: WaMessage, notices: list[Notice]) -> InboundAttachment | None:
        content = message.content
        media_id = str(content.get("id", ""))
        mime_type = content.get("mime_type")
        extension = mimetypes.guess_extension(mime_type or "") or ""
        name = str(content.get("filename") or f"{message.type}-{media_id}{extension}")
        try:
            info = await self.graph.media_info(media_id)
            data = await self.graph.download(info, self.max_file_size)
        except TooLarge as error:
            mb = 1024 * 1024
            notices.append(
                Notice("file_too_large", name=name, size=round(error.size / mb, 1), max=round(error.limit / mb, 1))
            )
            return None
        except PermanentFailure as error:
            log.warning("whatsapp media %s of %s cannot be fetched: %s", media_id, message.wamid, error.reason)
            notices.append(Notice("file_failed", name=name))
            return None
        return InboundAttachment(
            kind=MEDIA_KINDS[message.type],
            filename=name,
            mime_type=info.mime_type or mime_type,
            size=len(data),
            content=data,
            external_ref=f"whatsapp:{media_id}",
        )

    async def answer_only(self, message: WaMessage, notices: list[Notice]) -> None:
        """A message the core cannot take: counted once, and the customer is told why."""
        sender = InboundMessage(
            channel=CHANNEL, sender=message.sender, external_id=message.wamid, sender_name=message.name
        )
        await self.desk.refuse(sender, answer(notices))


def answer(notices: list[Notice]) -> Answer:
    return lambda language: [texts(notice.key, language, **notice.values) for notice in notices]
