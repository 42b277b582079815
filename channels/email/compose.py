"""An outbound message as a mail: our own Message-ID, chained to the ticket's thread, "[#1001]"."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from channels.email.texts import texts
from core.desk import Thread
from core.messages import COPY_OF, Choice, OutboundMessage
from core.timeutil import utcnow

# References keep the thread's newest ids; mail programs need only a few, servers limit header size.
MAX_REFERENCES = 20
# Choices that make sense only as chat buttons (menus, dialog navigation): a mail leaves them out.
CHAT_ONLY = ("menu:", "nav:")


@dataclass(frozen=True)
class MailFile:
    filename: str
    mime_type: str
    content: bytes


@dataclass(frozen=True)
class Identity:
    """Who our mail comes from."""

    address: str
    display_name: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "localhost"


def message_id(key: bytes, outbox_id: int, domain: str) -> str:
    """Our Message-ID for one outbox message: the same on every retry, and unguessable, since
    knowing one places a mail on its ticket."""
    digest = hmac.new(key, str(outbox_id).encode(), hashlib.sha256).hexdigest()[:24]
    return f"<{outbox_id}.{digest}@{domain}>"


def subject(message: OutboundMessage, thread: Thread | None) -> str:
    if thread is None:
        given = message.meta.get("subject")
        return given if isinstance(given, str) and given else texts("subject.default", message.language)
    return f"Re: {thread.subject} [#{thread.number}]"


def choices_text(choices: list[Choice], language: str, page_url: str | None, *, words: bool = True) -> str:
    """Buttons read as words to reply with; the status page offers the same by a click.

    Without `words` (a copy of a chat message: the words answer only the ticket's own channel),
    just the status page."""
    offered = [c for c in choices if not c.id.startswith(CHAT_ONLY)]
    if not offered:
        return ""
    if not words:
        return texts("choices.page_only", language, url=page_url) if page_url else ""
    text = texts("choices", language, options=", ".join(f"“{c.label}”" for c in offered))
    return f"{text}\n{texts('choices.page', language, url=page_url)}" if page_url else text


def copy_note(message: OutboundMessage) -> str:
    """Why a copy of another channel's message came by mail (a web-chat visitor who was away)."""
    if message.meta.get(COPY_OF) != "webchat":
        return ""
    return "-- \n" + texts("copy.webchat", message.language)  # "-- ": the signature mark mail programs know


def compose(
    message: OutboundMessage,
    thread: Thread | None,
    *,
    sender: Identity,
    own_id: str,
    files: list[MailFile],
    public_url: str = "",
) -> EmailMessage:
    """The mail for `message`; `thread` chains it to the ticket's earlier mails."""
    mail = EmailMessage()
    mail["From"] = Address(display_name=sender.display_name, addr_spec=sender.address)
    mail["To"] = message.address
    mail["Subject"] = subject(message, thread)
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = own_id
    if thread is not None and thread.ids:
        mail["In-Reply-To"] = thread.last_inbound or thread.ids[-1]
        mail["References"] = " ".join(thread.ids[-MAX_REFERENCES:])
    if message.meta.get("automatic"):
        # RFC 3834: an automatic answer; auto-responders and mailing lists must not answer it.
        mail["Auto-Submitted"] = "auto-replied"
    page = f"{public_url}/t/{thread.public_token}" if public_url and thread and thread.public_token else None
    words = COPY_OF not in message.meta
    offered = choices_text(message.choices, message.language, page, words=words)
    parts = (message.text.strip(), offered, copy_note(message))
    body = "\n\n".join(p for p in parts if p)
    mail.set_content(body + "\n")
    for file in files:
        maintype, _, subtype = file.mime_type.partition("/")
        mail.add_attachment(file.content, maintype=maintype, subtype=subtype or "octet-stream", filename=file.filename)
    return mail
