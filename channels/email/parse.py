"""Raw RFC 5322 bytes to what the desk needs: sender, threading headers, clean text and files."""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr
from functools import lru_cache
from typing import Any

import html2text

# Threads of hundreds of mails carry References of kilobytes; the newest ids are the ones that match.
MAX_REFERENCES = 30
# Receipts and Message.external_id hold up to 128 characters; longer ids are kept as a digest.
MAX_ID_LENGTH = 128
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class MailFile:
    filename: str
    mime_type: str
    content: bytes
    content_id: str | None = None

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


@dataclass(frozen=True)
class RefusedFile:
    filename: str
    size: int


@dataclass
class ParsedMail:
    sender: str
    sender_name: str | None
    to: list[str]
    cc: list[str]
    subject: str
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    auto_submitted: str | None
    precedence: str | None
    list_id: str | None
    return_path: str | None
    text: str
    files: list[MailFile] = field(default_factory=list)
    refused: list[RefusedFile] = field(default_factory=list)
    content_type: str = "text/plain"
    report_type: str | None = None

    def thread_ids(self) -> list[str]:
        """Ids of earlier mails this one answers, the most direct first (In-Reply-To, then newest references)."""
        seen: dict[str, None] = {}
        for item in [*self.in_reply_to, *reversed(self.references)]:
            seen.setdefault(item, None)
        return list(seen)


def message_key(message_id: str) -> str:
    """A Message-ID as stored (receipts, external ids): itself, or a digest when too long."""
    if len(message_id) <= MAX_ID_LENGTH:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


def _header(message: Message, name: str) -> str | None:
    value = message.get(name)
    return str(value).strip() if value is not None else None


def _ids(value: str | None, limit: int = MAX_REFERENCES) -> list[str]:
    return [message_key(item) for item in MESSAGE_ID.findall(value or "")][-limit:]


def _addresses(message: Message, name: str) -> list[str]:
    values = [str(v) for v in message.get_all(name, [])]
    return [address.lower() for _, address in getaddresses(values) if address]


def _sender(message: Message) -> tuple[str, str | None]:
    header = message.get("From")  # parsed once: policy.default parses a header each time it is read
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if addresses:
        first = addresses[0]
        return first.addr_spec.lower(), first.display_name or None
    name, address = parseaddr(str(header).strip() if header is not None else "")
    return address.lower(), name or None


def _decode_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name: better a few odd characters than a lost mail
        return payload.decode("utf-8", errors="replace")


def html_to_text(html: str) -> str:
    """Readable text of an HTML body. html2text parses the HTML (we never do) and drops scripts,
    styles and images; links keep their address in the text."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.single_line_break = True
    return re.sub(r"\n{3,}", "\n\n", converter.handle(html)).strip()


def _filename(part: Message) -> str | None:
    # Decodes RFC 2231 (filename*=) names, and with policy.default RFC 2047 (=?utf-8?b?...?=) ones;
    # falls back to Content-Type's name= as old mail programs send it.
    name = part.get_filename()
    return name.strip() or None if name else None


def _content_id(part: Message) -> str | None:
    value = _header(part, "Content-ID")
    return value.strip("<> ") or None if value else None


class _Walker:
    def __init__(self, max_file_size: int) -> None:
        self.max_file_size = max_file_size
        self.plain: list[str] = []
        self.html: list[str] = []
        self.files: list[MailFile] = []
        self.refused: list[RefusedFile] = []

    def walk(self, part: Message) -> None:
        ctype = part.get_content_type()
        if part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if ctype == "multipart/alternative":
                self.alternative(children)
            else:
                for child in children:
                    self.walk(child)
            return
        disposition = part.get_content_disposition()
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not _filename(part):
            (self.plain if ctype == "text/plain" else self.html).append(_decode_text(part))
            return
        self.add_file(part, ctype)

    def alternative(self, children: list[Message]) -> None:
        # Prefer text/plain; else the richest part (HTML, or a multipart/related with the HTML inside).
        plain = [c for c in children if c.get_content_type() == "text/plain"]
        chosen = plain[0] if plain else children[-1] if children else None
        if chosen is not None:
            self.walk(chosen)
        for child in children:
            # Files inside the HTML branch (inline images) are still the customer's files.
            if child is not chosen and child.is_multipart():
                for sub in child.walk():
                    if not sub.is_multipart() and sub.get_content_type() not in ("text/plain", "text/html"):
                        self.add_file(sub, sub.get_content_type())

    def add_file(self, part: Message, ctype: str) -> None:
        if ctype == "message/rfc822":
            inner = part.get_payload()
            content = (
                inner[0].as_bytes() if isinstance(inner, list) and inner and isinstance(inner[0], Message) else b""
            )
        else:
            raw = part.get_payload(decode=True)
            content = raw if isinstance(raw, bytes) else b""
        ext = {"message/rfc822": ".eml", "image/png": ".png", "image/jpeg": ".jpg"}.get(ctype, "")
        name = _filename(part) or f"attachment-{len(self.files) + len(self.refused) + 1}{ext}"
        if len(content) > self.max_file_size:
            self.refused.append(RefusedFile(name, len(content)))
            return
        self.files.append(MailFile(name, ctype, content, _content_id(part)))


# At most 2,048 remembered headers of at most 1,000 characters each: a few MB whatever comes in.
MAX_REMEMBERED_HEADER = 1000


class _ReadingPolicy(EmailPolicy):
    """policy.default, remembering the headers it has parsed: it parses a header again each time it
    is read, and reading a mail reads its parts' Content-Type a dozen times (most mails' are alike)."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):  # set by us, already parsed
            return value
        if len(value) > MAX_REMEMBERED_HEADER:  # a long thread's References: kept out of the memory
            return super().header_fetch_parse(name, value)
        return _parsed_header(name, value)


@lru_cache(maxsize=2048)
def _parsed_header(name: str, value: str) -> Any:
    # Header objects are immutable strings: one can be handed to every reader of the same text.
    return policy.default.header_fetch_parse(name, value)


_READING = _ReadingPolicy()


def read_mail(data: bytes) -> EmailMessage:
    """The parsed mail, for parse_mail and parse_dsn to share (parsing costs more than either reads)."""
    message = email.message_from_bytes(data, policy=_READING)
    assert isinstance(message, EmailMessage)
    return message


def parse_mail(mail: bytes | EmailMessage, *, max_file_size: int) -> ParsedMail:
    """Everything the e-mail channel needs from one mail (raw or read_mail's); never raises on malformed input."""
    message = read_mail(mail) if isinstance(mail, bytes) else mail
    content_type = message.get_content_type()
    walker = _Walker(max_file_size)
    walker.walk(message)
    text = "\n\n".join(t.strip() for t in walker.plain if t.strip())
    if not text and walker.html:
        text = "\n\n".join(html_to_text(h) for h in walker.html)
    sender, sender_name = _sender(message)
    return ParsedMail(
        sender=sender,
        sender_name=sender_name,
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        subject=" ".join((_header(message, "Subject") or "").split()),
        message_id=next(iter(_ids(_header(message, "Message-ID"), 1)), None),
        in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")),
        auto_submitted=_header(message, "Auto-Submitted"),
        precedence=_header(message, "Precedence"),
        list_id=_header(message, "List-Id"),
        return_path=_header(message, "Return-Path"),
        text=text.replace("\r\n", "\n"),
        files=walker.files,
        refused=walker.refused,
        content_type=content_type,
        report_type=message.get_param("report-type") if content_type == "multipart/report" else None,  # type: ignore[arg-type]
    )
