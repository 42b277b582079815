"""The e-mail channel's own table: when each sender last got an automatic reply."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime


class EmailAutoReply(SQLModel, table=True):
    """When a sender last got an automatic reply: at most one per period (RFC 3834), across restarts."""

    __tablename__ = "email_auto_reply"

    address: str = Field(primary_key=True, max_length=255)
    last_at: datetime = Field(sa_type=UTCDateTime)
