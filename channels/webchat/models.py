"""The web chat's own tables: visitors and their conversations as a numbered stream of events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime, utcnow


class WebchatVisitor(SQLModel, table=True):
    """A browser that opened the widget. Only the hash of its token is kept."""

    __tablename__ = "webchat_visitor"

    id: int | None = Field(default=None, primary_key=True)
    # The core's Identity.address for this visitor; never shown to anyone, never accepted from a client.
    address: str = Field(unique=True, max_length=64)
    token_hash: str = Field(unique=True, max_length=64)
    # A site user id whose HMAC the site signed; links the visitor to that user's contact.
    user_id: str | None = Field(default=None, max_length=128, index=True)
    last_seq: int = 0
    # Where replies also go while the visitor is away (they left it in the widget and confirmed it
    # from the link mailed to it; optional).
    email: str | None = Field(default=None, max_length=254)
    # An address left in the widget, until the link mailed to it is opened (whoever types an address
    # must not make us mail a stranger); the link's token, hashed as the visitor's own.
    email_pending: str | None = Field(default=None, max_length=254)
    email_token_hash: str | None = Field(default=None, unique=True, index=True, max_length=64)
    # The widget asked once: answered or skipped, it never asks again.
    email_asked: bool = False
    # A socket of this visitor is open somewhere until then (renewed while it is); kept only for
    # visitors who left an e-mail, the only ones whose replies it changes.
    online_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebchatEvent(SQLModel, table=True):
    """One item of a visitor's conversation: their own messages and everything sent to them.

    `seq` counts 1, 2, 3... per visitor without gaps, so a widget that saw up to N asks for > N.
    `dedup_key` makes storing idempotent ("in:<client id>" or "out:<outbox id>").
    """

    __tablename__ = "webchat_event"
    __table_args__ = (UniqueConstraint("visitor_id", "seq"), UniqueConstraint("visitor_id", "dedup_key"))

    id: int | None = Field(default=None, primary_key=True)
    visitor_id: int = Field(foreign_key="webchat_visitor.id")
    seq: int
    dedup_key: str = Field(max_length=160)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
