"""The e-mail channel's own tables: raw mails kept before processing, and automatic-reply times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime, utcnow


class EmailInbox(SQLModel, table=True):
    """One mail exactly as the mailbox held it, stored before the mailbox is told it is done."""

    __tablename__ = "email_inbox"
    __table_args__ = (Index("ix_email_inbox_queue", "processed_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # "<uidvalidity>:<uid>": a repeated hand-over of the same mail is stored once.
    mailbox_key: str = Field(max_length=64, unique=True)
    data: bytes = Field(sa_type=LargeBinary)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class EmailAutoReply(SQLModel, table=True):
    """When a sender last got an automatic reply: at most one per period (RFC 3834), across restarts."""

    __tablename__ = "email_auto_reply"

    address: str = Field(primary_key=True, max_length=255)
    last_at: datetime = Field(sa_type=UTCDateTime)
