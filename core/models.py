from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime, utcnow


def _ts(**kwargs: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kwargs)


def _ts_optional(**kwargs: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


class TicketType(StrEnum):
    INCIDENT = "incident"
    MASS_INCIDENT = "mass_incident"
    CONSULTATION = "consultation"
    FEATURE_REQUEST = "feature_request"


class TicketStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    SOLVED = "solved"
    CLOSED = "closed"


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"
    NOTE = "note"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    access_code: str | None = Field(default=None, unique=True, max_length=64)
    created_at: datetime = _ts()


class Contract(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    level: str = Field(max_length=50)
    starts_on: date
    ends_on: date | None = None
    created_at: datetime = _ts()


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    created_at: datetime = _ts()


class Identity(SQLModel, table=True):
    """One address of a contact on one channel: a Telegram chat, a WhatsApp number, a widget visitor."""

    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    channel: str = Field(max_length=32)
    address: str = Field(max_length=128)
    display_name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    last_inbound_at: datetime | None = _ts_optional()
    created_at: datetime = _ts()


class TicketCounter(SQLModel, table=True):
    """A single row whose UPDATE ... RETURNING hands out ticket numbers atomically."""

    id: int = Field(default=1, primary_key=True)
    last_number: int = Field(sa_type=BigInteger)


class Ticket(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, sa_type=BigInteger)
    type: TicketType = Field(max_length=32)
    status: TicketStatus = Field(default=TicketStatus.NEW, max_length=32, index=True)
    subject: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    channel: str = Field(max_length=32)
    address: str = Field(max_length=128)
    language: str = Field(max_length=8)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    assignee: str | None = Field(default=None, max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    # The look-alike suggestion this incident report is in (core/lookalike.py); a report is in one
    # at most. No foreign key: suggestions are never deleted, and adding one would copy this table
    # on SQLite.
    lookalike_group_id: int | None = None
    level: str | None = Field(default=None, max_length=50)
    # The status page link /t/<token>: unguessable, so knowing a ticket number is not enough.
    public_token: str | None = Field(default=None, unique=True, index=True, max_length=64)
    rating: int | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    closed_at: datetime | None = _ts_optional()

    # Look-alike placing reads a suggestion's first and latest reports, and the recent reports in
    # none, as ordered walks of this index (core/lookalike.py).
    __table_args__ = (Index("ix_ticket_lookalike", "lookalike_group_id", "created_at", "id"),)


class TicketEvent(SQLModel, table=True):
    """The audit trail: every status change (and other agent action) with who and when."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=32)
    to_status: str | None = Field(default=None, max_length=32)
    actor: str = Field(max_length=200)
    comment: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _ts()


class Message(SQLModel, table=True):
    # The reply lookup (a customer answers one of their own messages) by the platform's id.
    __table_args__ = (Index("ix_message_reply_lookup", "channel", "address", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    identity_id: int | None = Field(default=None, foreign_key="identity.id", index=True)
    direction: Direction = Field(max_length=8)
    channel: str = Field(max_length=32)
    address: str = Field(max_length=128)
    author: str | None = Field(default=None, max_length=200)
    text: str = Field(default="", sa_type=Text)
    external_id: str | None = Field(default=None, max_length=128)
    reply_to: str | None = Field(default=None, max_length=128)
    created_at: datetime = _ts()


class Attachment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    message_id: int | None = Field(default=None, foreign_key="message.id", index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=16)
    filename: str | None = Field(default=None, max_length=255)
    mime_type: str | None = Field(default=None, max_length=128)
    size: int | None = None
    storage_key: str | None = Field(default=None, max_length=255)
    external_ref: str | None = Field(default=None, max_length=512)
    created_at: datetime = _ts()


class OutboxMessage(SQLModel, table=True):
    """A message waiting for, or done with, delivery; written in the transaction that caused it."""

    __table_args__ = (Index("ix_outbox_queue", "status", "channel", "address", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    address: str = Field(max_length=128)
    kind: str = Field(default="text", max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    locked_until: datetime | None = _ts_optional()
    locked_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_type=Text)
    external_id: str | None = Field(default=None, max_length=128, index=True)
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts_optional()


class InboundReceipt(SQLModel, table=True):
    """Makes inbound handling idempotent: one row per platform message id ever processed."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    external_id: str = Field(max_length=128)
    created_at: datetime = _ts()


class Dialog(SQLModel, table=True):
    """Where a contact's conversation with the bot stands, kept in the database to survive restarts."""

    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="identity.id", unique=True)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _ts()


class SupportCalendar(SQLModel, table=True):
    """Business hours that SLA clocks count in; 24/7 is days 0-6 from 00:00 to 24:00."""

    __tablename__ = "calendar"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], sa_column=Column(JSON, nullable=False))
    opens: str = Field(default="09:00", max_length=5)
    closes: str = Field(default="18:00", max_length=5)
    holidays: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ServiceLevel(SQLModel, table=True):
    """A contract level: per ticket type, minutes of business time to first response and resolution."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=50)
    calendar_id: int = Field(foreign_key="calendar.id")
    targets: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    warn_percent: int = 80
    is_default: bool = False


class SlaClock(SQLModel, table=True):
    """One due time of one ticket, and the durable timers for its warning and breach."""

    __table_args__ = (UniqueConstraint("ticket_id", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    target: str = Field(max_length=32)
    calendar_id: int = Field(foreign_key="calendar.id")
    budget_seconds: int
    warn_at: datetime | None = _ts_optional()
    due_at: datetime | None = _ts_optional(index=True)
    paused_at: datetime | None = _ts_optional()
    remaining_seconds: float | None = None
    warn_remaining_seconds: float | None = None
    met_at: datetime | None = _ts_optional()
    warned_at: datetime | None = _ts_optional()
    breached_at: datetime | None = _ts_optional()


class MassBroadcast(SQLModel, table=True):
    """An update of a mass incident sent to every linked customer; reported back once all settled."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=16)
    text: str = Field(sa_type=Text)
    actor: str = Field(max_length=200)
    linked: int = 0
    created_at: datetime = _ts()
    reported_at: datetime | None = _ts_optional()


class BroadcastRecipient(SQLModel, table=True):
    broadcast_id: int = Field(foreign_key="massbroadcast.id", primary_key=True)
    outbox_id: int = Field(foreign_key="outboxmessage.id", primary_key=True)


class ServerSecret(SQLModel, table=True):
    """A random key made once per installation and shared by its instances (status-page form tokens,
    unguessable mail ids), so no setting is needed and a restart keeps issued tokens valid."""

    __tablename__ = "server_secret"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=128)


class InboxEvent(SQLModel, table=True):
    """One raw inbound event as a channel's door received it, kept before the door acknowledges.

    `(channel, external_id)` is unique, so a platform's retry is dropped at the door; events of one
    `conversation` are handled one at a time, in arrival order (core/inbox.py).
    """

    __tablename__ = "inbox_event"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        Index("ix_inbox_event_queue", "status", "id"),
        Index("ix_inbox_event_conversation", "channel", "conversation", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    external_id: str = Field(max_length=128)
    conversation: str = Field(max_length=160)
    payload: str = Field(sa_type=Text)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    locked_until: datetime | None = _ts_optional()
    locked_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, sa_type=Text)
    arrived_at: datetime = _ts()
    done_at: datetime | None = _ts_optional()
