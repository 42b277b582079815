"""The bot's own tables: which forum topic shows which ticket, and which group message belongs to which."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime, utcnow


class TelegramTopic(SQLModel, table=True):
    __tablename__ = "telegram_topic"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    chat_id: int = Field(sa_type=BigInteger)
    thread_id: int = Field(sa_type=BigInteger, index=True)
    name: str = Field(max_length=128)
    closed: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TelegramGroupMessage(SQLModel, table=True):
    """A message in the agents' group that stands for a ticket: replies to it go to that ticket."""

    __tablename__ = "telegram_group_message"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
