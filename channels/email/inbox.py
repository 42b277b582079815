"""Mail through the core inbox: the reader's door stores each raw mail, the worker parses it.

`door` is the reader's `on_mail`: once it returns, the mail is durable in `inbox_event` (channel
"email", external id "<uidvalidity>:<uid>", so a repeated hand-over is dropped at the door) and
the reader may mark it on the server. `parser` is registered with the inbox: it turns the stored
copy into the desk's message in the inbox's worker (also after a crash), in arrival order per
sender. The payload is JSON with the mail's bytes in base64: the inbox keeps text, and raw bytes
read as text would lose what is not valid UTF-8.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr

from channels.email.imap import RawMail
from channels.email.inbound import CHANNEL, MailHandler
from core.inbox import Inbox, Parser
from core.messages import InboundMessage

# inbox_event.conversation holds 160 characters; a longer From is refused by the handler anyway.
MAX_CONVERSATION = 160


def sender_of(data: bytes) -> str:
    """The From address alone, read from the header block without passing the body to a parser. The
    raw header (compat32) is enough: parseaddr finds the address beside an encoded name."""
    ends = [at for at in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if at >= 0]
    headers = BytesHeaderParser(policy=compat32).parsebytes(data[: min(ends, default=len(data))])
    return parseaddr(str(headers.get("From", "")))[1].lower()


@dataclass(frozen=True)
class StoredMail:
    mailbox_key: str
    """"<uidvalidity>:<uid>": where the mail was in the support folder."""
    data: bytes

    def dumps(self) -> str:
        return json.dumps({"mailbox_key": self.mailbox_key, "data": base64.b64encode(self.data).decode("ascii")})

    @classmethod
    def loads(cls, payload: str) -> StoredMail:
        fields = json.loads(payload)
        return cls(fields["mailbox_key"], base64.b64decode(fields["data"]))


def door(inbox: Inbox) -> Callable[[RawMail], Awaitable[None]]:
    """The reader's `on_mail`: store the mail in the core inbox; returns once it is durable."""

    async def on_mail(raw: RawMail) -> None:
        key = f"{raw.uidvalidity}:{raw.uid}"
        conversation = sender_of(raw.data)[:MAX_CONVERSATION]
        await inbox.store(CHANNEL, key, conversation, StoredMail(key, raw.data).dumps())

    return on_mail


def parser(handler: MailHandler) -> Parser:
    """The inbox's parser for stored mails: a bounce is handled here, a customer's mail returned."""

    async def parse(payload: str) -> list[InboundMessage]:
        mail = StoredMail.loads(payload)
        return await handler.messages(mail.data, mail.mailbox_key)

    return parse
