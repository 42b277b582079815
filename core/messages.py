"""Normalized messages: what channels hand to the core and what the core hands back."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

AttachmentKind = Literal["image", "document", "audio", "video", "other"]

AGENT_DESK = "agents"
"""Channel name of the agents' desk: outbound events for it are rendered by the agent-side adapter."""

GENERAL = "general"
"""Address of desk events that belong to no ticket: shown in the agents' group's General topic."""

CLIENT_ADDRESS = "client_address"
"""`InboundMessage.meta` key: the network address the message came from, where a channel knows it
(the web chat). Used for limits only, never shown to anyone but the agents."""


COPY_OF = "copy_of"
"""`OutboundMessage.meta` key of a copy queued on another channel: the channel it copies (a web-chat
message mailed to a visitor who is away), so the copy can say why it came."""

FROM_CUSTOMER = "from_customer"
"""`OutboundMessage.meta` key of the customer's own words copied to their ticket's channel (a mail
reply shown in the web chat's history): the channel draws it as theirs and sends it nowhere else."""


TELL_ON_FAILURE = "tell_on_failure"
"""`OutboundMessage.meta` key of a message with no ticket whose failure someone must still hear of:
{"channel", "address"} to send a FAILED_COPY notice to (a web-chat visitor whose confirmation mail
was refused or bounced). A ticket's messages tell the agents instead."""

FAILED_COPY = "copy_failed"
"""The kind of that notice; its meta holds `failed_address` and `reason`, its channel words it."""


class Choice(BaseModel):
    id: str
    label: str


class InboundAttachment(BaseModel):
    kind: AttachmentKind
    filename: str | None = None
    mime_type: str | None = None
    size: int | None = None
    content: bytes | None = None
    external_ref: str | None = None


class InboundMessage(BaseModel):
    """One message from a customer, as every channel describes it."""

    channel: str
    sender: str
    external_id: str
    text: str = ""
    attachments: list[InboundAttachment] = Field(default_factory=list)
    choice: str | None = None
    reply_to: str | None = None
    sender_name: str | None = None
    language: str | None = None
    sent_at: datetime | None = None
    # What a channel knows beyond the message itself, channel-neutral keys (CLIENT_ADDRESS).
    meta: dict[str, str] = Field(default_factory=dict)
    # A complete request (a mail): if it belongs to no ticket, it opens one at once with this subject
    # and the text as its description, without the intake dialog.
    subject: str | None = None
    # Globally unique ids of earlier messages this one answers (a mail's In-Reply-To and References),
    # the most direct first: ours or the customer's, they place the message on their ticket.
    reply_candidates: list[str] = Field(default_factory=list)
    # A ticket number the message names (a mail subject's "[#1001]"): trusted only from that ticket's contact.
    ticket_hint: int | None = None
    # False when the sender is itself automatic, or was answered automatically a moment ago: the
    # message is handled as usual, but nothing automatic is sent back (no mail loops).
    automatic_replies: bool = True
    # Files the channel had to refuse (too large); the customer is told.
    refused_files: list[str] = Field(default_factory=list)


class AttachmentRef(BaseModel):
    id: int
    kind: AttachmentKind
    filename: str | None = None
    mime_type: str | None = None
    size: int | None = None
    storage_key: str | None = None
    external_ref: str | None = None


class OutboundMessage(BaseModel):
    """One message to deliver, addressed by (channel, address).

    `kind` is "text" for customers; the agents' desk receives events such as "ticket_created"
    whose details the desk adapter reads from the database by `ticket_id`.
    """

    id: int = 0
    channel: str
    address: str
    kind: str = "text"
    text: str = ""
    choices: list[Choice] = Field(default_factory=list)
    attachments: list[AttachmentRef] = Field(default_factory=list)
    ticket_id: int | None = None
    language: str = "en"
    meta: dict[str, Any] = Field(default_factory=dict)
    attempts: int = 0

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include={"text", "choices", "attachments", "language", "meta"})


class SendResult(BaseModel):
    external_id: str | None = None
