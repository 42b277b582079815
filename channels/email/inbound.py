"""One stored mail to the desk: a bounce fails our message, anything else is a customer's message."""

from __future__ import annotations

import logging
import re

from channels.email.dsn import parse_dsn
from channels.email.loops import automatic_reason
from channels.email.parse import ParsedMail, parse_mail, read_mail
from channels.email.quotes import strip_quotes
from channels.email.texts import texts
from core.desk import Desk
from core.inbox import Unprocessable
from core.messages import InboundAttachment, InboundMessage

log = logging.getLogger(__name__)

CHANNEL = "email"
TICKET_TOKEN = re.compile(r"\[#(\d{1,12})\]")
REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
# Identity.address holds 128 characters; longer addresses exist in theory, hardly in practice.
MAX_ADDRESS = 128
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


class MailRefused(Unprocessable):
    """A mail that cannot become a customer's message: parked in the inbox with this reason, not retried."""


def clean_subject(subject: str) -> str:
    """The request's own subject: without "Re:"/"Fwd:"/"Ответ:" prefixes and our "[#1001]"."""
    return " ".join(TICKET_TOKEN.sub(" ", REPLY_PREFIX.sub("", subject)).split())


class MailHandler:
    def __init__(self, desk: Desk, *, address: str, max_file_size: int) -> None:
        self.desk = desk
        self.address, self.max_file_size = address.lower(), max_file_size

    async def messages(self, data: bytes, mailbox_key: str) -> list[InboundMessage]:
        """One raw mail -> the customer's message for the desk; a bounce marks our mail failed
        here and gives none. Safe to repeat (receipts, bounces marked once)."""
        parsed = read_mail(data)
        bounce = parse_dsn(parsed)
        if bounce is not None:
            found = bounce.original_message_id and await self.desk.bounced(
                CHANNEL, bounce.original_message_id, bounce.reason
            )
            if not found:
                log.warning("bounce for %s matches no mail we sent (%s)", bounce.recipient, mailbox_key)
            return []  # a delivery report is never a customer's request
        mail = parse_mail(parsed, max_file_size=self.max_file_size)
        if not mail.sender or mail.sender == self.address:
            raise MailRefused(f"no sender address, or our own ({mail.sender or '-'})")
        if len(mail.sender) > MAX_ADDRESS:
            raise MailRefused(f"sender address longer than {MAX_ADDRESS} characters")
        return [await self.message(mail, data, mailbox_key)]

    async def message(self, mail: ParsedMail, data: bytes, mailbox_key: str) -> InboundMessage:
        new_text = strip_quotes(mail.text)
        language = "ru" if CYRILLIC.search(mail.subject + new_text) else "en"
        attachments = [
            InboundAttachment(
                kind="image" if file.is_image else "document",
                filename=file.filename,
                mime_type=file.mime_type,
                content=file.content,
            )
            for file in mail.files
        ]
        if new_text != mail.text.strip() or (mail.content_type != "text/plain" and not attachments):
            # What the agents see was cut or converted: the whole mail goes along, so nothing is lost.
            attachments.append(
                InboundAttachment(kind="document", filename="original.eml", mime_type="message/rfc822", content=data)
            )
        refused = [texts("refused", language, name=f.filename, size=round(f.size / 2**20, 1)) for f in mail.refused]
        hint = TICKET_TOKEN.search(mail.subject)
        thread_ids = mail.thread_ids()
        reason = automatic_reason(mail, self.address)
        if reason is not None:
            log.info("no automatic reply to %s: %s", mail.sender, reason)
        return InboundMessage(
            channel=CHANNEL,
            sender=mail.sender,
            sender_name=mail.sender_name,
            external_id=mail.message_id or f"email:{mailbox_key}",
            text="\n\n".join(p for p in (new_text, *refused) if p),
            attachments=attachments,
            language=language,
            subject=clean_subject(mail.subject),
            reply_candidates=thread_ids,
            ticket_hint=int(hint.group(1)) if hint else None,
            # A new request's automatic reply is also limited per sender: claim_auto_reply, the desk's guard.
            automatic_replies=reason is None,
            refused_files=[f.filename for f in mail.refused],
        )
