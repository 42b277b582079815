"""Tables of the agents' desk tools: look-alike report groups, canned replies, published suggestions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime, utcnow


class LookalikeGroup(SQLModel, table=True):
    """Incident reports that look alike: one suggestion in the agents' General topic, kept up to date.

    Its reports are the tickets whose `lookalike_group_id` is this one, in the order of their creation.
    """

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    accepted_by: str | None = Field(default=None, max_length=200)


class CannedReply(SQLModel, table=True):
    """A saved answer agents send with `/r <name>`; placeholders are filled per ticket."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    text: str = Field(sa_type=Text)
    created_by: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SuggestionPost(SQLModel, table=True):
    """A feature request an agent published (`/publish`) in the public suggestions channel."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    # The status the channel shows (the enum's name, as ticket.status stores it); the loop posts an
    # update when the ticket's status differs.
    status: str = Field(max_length=32)
    published_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
