"""A visitor's message: shown in their conversation, then handed to the core, each exactly once."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from channels.webchat import events
from channels.webchat.models import WebchatVisitor
from channels.webchat.uploads import FileType
from core.files import FileStore
from core.messages import CLIENT_ADDRESS, InboundAttachment, InboundMessage
from core.services import Services
from core.textsafe import scrub

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TEXT = 8000
MAX_CHOICE = 64


class BadMessage(ValueError):
    """A frame the widget would never send; the reason is shown to the sender."""


@dataclass
class Upload:
    content: bytes
    file_type: FileType
    filename: str


@dataclass
class VisitorMessage:
    client_id: str
    text: str = ""
    choice: str | None = None
    language: str | None = None
    name: str | None = None
    uploads: list[Upload] = field(default_factory=list)
    # The visitor's network address (the proxy's X-Forwarded-For, trusted by uvicorn): access-code limits.
    client_address: str | None = None

    @classmethod
    def parse(cls, frame: dict[str, Any], language: str | None, name: str | None) -> VisitorMessage:
        client_id, text, choice = frame.get("client_id"), frame.get("text", ""), frame.get("choice")
        if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
            raise BadMessage("client_id must be 1-64 letters, digits, '-' or '_'")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise BadMessage(f"text must be a string of at most {MAX_TEXT} characters")
        if choice is not None and (not isinstance(choice, str) or not 0 < len(choice) <= MAX_CHOICE):
            raise BadMessage(f"choice must be a string of 1-{MAX_CHOICE} characters")
        if not text.strip() and choice is None:
            raise BadMessage("the message is empty")
        # A lone surrogate could be shown but never stored by the core: replaced at the door.
        return cls(client_id, scrub(text), choice, language, scrub(name) if name else name)


async def receive(services: Services, visitor: WebchatVisitor, message: VisitorMessage) -> None:
    """Store the message in the conversation (shown on every tab at once), then let the core handle it.

    Both steps are idempotent on the client id, so the widget simply resends until acknowledged.
    """
    attachments = [
        {
            "kind": up.file_type.kind,
            "filename": up.filename,
            "mime_type": up.file_type.mime_type,
            "size": len(up.content),
            "key": services.files.put(up.content),
        }
        for up in message.uploads
    ]
    payload = {
        "kind": "message",
        "from": "visitor",
        "text": message.text,
        "choice": message.choice,
        "client_id": message.client_id,
        "attachments": attachments,
    }
    await events.append(services.sessions, services.fanout, visitor, f"in:{message.client_id}", payload)
    # Kept in the core inbox before the widget's ack: a failing core call can no longer strand it.
    # Scoped by visitor: another visitor reusing a client id must not mark this one as seen.
    external_id = f"{visitor.address}:{message.client_id}"
    inbound = {
        "sender": visitor.address,
        "external_id": external_id,
        "text": message.text,
        "choice": message.choice,
        "attachments": attachments,
        "sender_name": message.name,
        "language": message.language,
        "meta": {CLIENT_ADDRESS: message.client_address} if message.client_address else {},
    }
    await services.inbox.store(events.CHANNEL, external_id, visitor.address, json.dumps(inbound))


def parser(files: FileStore) -> Callable[[str], Awaitable[list[InboundMessage]]]:
    """The stored message -> the core's message, its files read back from the store."""

    async def parse(payload: str) -> list[InboundMessage]:
        data = json.loads(payload)
        attachments = [
            InboundAttachment(
                kind=a["kind"],
                filename=a["filename"],
                mime_type=a["mime_type"],
                size=a["size"],
                content=files.read(a["key"]),
            )
            for a in data.pop("attachments")
        ]
        return [InboundMessage(channel=events.CHANNEL, attachments=attachments, **data)]

    return parse
