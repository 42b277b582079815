"""Tables of the customer side: follow-up links, access-code failures, copies of platform files."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime, utcnow


class TicketFollowUp(SQLModel, table=True):
    """A ticket opened by a message that came after `previous_id` had been closed for too long."""

    __tablename__ = "ticket_follow_up"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    previous_id: int = Field(foreign_key="ticket.id", index=True)


class AccessFailure(SQLModel, table=True):
    """One wrong access code, counted per key ("contact:12", "address:203.0.113.5") in a sliding window."""

    __tablename__ = "access_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, index=True)
    failed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class FileFetch(SQLModel, table=True):
    """A customer's file known only by a platform reference, waiting to be copied into the file store."""

    __tablename__ = "file_fetch"

    attachment_id: int = Field(foreign_key="attachment.id", primary_key=True)
    attempts: int = 0
    next_try_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=500)
    done: bool = Field(default=False, index=True)
