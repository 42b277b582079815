"""Bounces: RFC 3464 delivery status notifications and what they say failed."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message

from channels.email.parse import message_key, read_mail

_MESSAGE_ID = re.compile(r"^message-id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Bounce:
    recipient: str | None
    original_message_id: str | None
    status: str | None
    diagnostic: str | None

    @property
    def reason(self) -> str:
        parts = [p for p in (self.status, self.diagnostic) if p]
        return f"bounced ({', '.join(parts)})" if parts else "bounced"


def _fields(part: Message) -> list[Message]:
    """The per-message and per-recipient field groups of a message/delivery-status part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [group for group in payload if isinstance(group, Message)]
    # Some servers send the status as text: parse its blank-line separated groups as headers.
    text = payload if isinstance(payload, str) else ""
    return [email.message_from_string(group.strip() + "\n", policy=policy.compat32) for group in text.split("\n\n")]


def _type_value(value: str | None) -> str | None:
    # "rfc822; bob@example.com" -> "bob@example.com"
    return value.partition(";")[2].strip() if value and ";" in value else (value or None)


def parse_dsn(mail: bytes | EmailMessage) -> Bounce | None:
    """The failure a DSN reports, or None if the mail (raw or read_mail's) is not a delivery-status report."""
    message = read_mail(mail) if isinstance(mail, bytes) else mail
    if message.get_content_type() != "multipart/report" or message.get_param("report-type") != "delivery-status":
        return None
    recipient = status = diagnostic = original = None
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for group in _fields(part):
                if group.get("Action", "").strip().lower() == "failed" or (
                    group.get("Final-Recipient") and not recipient
                ):
                    recipient = _type_value(group.get("Final-Recipient") or group.get("Original-Recipient"))
                    status = (group.get("Status") or "").strip() or None
                    diagnostic = _type_value(group.get("Diagnostic-Code"))
        elif ctype in ("message/rfc822", "text/rfc822-headers") and original is None:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                found = inner[0].get("Message-ID")
                original = str(found).strip() if found else None
            else:
                match = _MESSAGE_ID.search(part.get_content() if ctype.startswith("text/") else str(inner))
                original = match.group(1) if match else None
    return Bounce(
        recipient=recipient.lower() if recipient else None,
        original_message_id=message_key(original) if original else None,
        status=status,
        diagnostic=diagnostic,
    )
