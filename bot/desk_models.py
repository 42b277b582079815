"""The desk's own tables: the live card of each ticket, and the agents seen in the group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime, utcnow


class TelegramCard(SQLModel, table=True):
    """The card message of a ticket, edited in place; `rendered` is what it shows now (no edit when equal)."""

    __tablename__ = "telegram_card"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    rendered: str = Field(default="", sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TelegramAgent(SQLModel, table=True):
    """Someone who has posted in the agents' group: whom `/assign` may name and a card may mention."""

    __tablename__ = "telegram_agent"
    __table_args__ = (UniqueConstraint("chat_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    user_id: int = Field(sa_type=BigInteger)
    full_name: str = Field(max_length=200, index=True)
    username: str | None = Field(default=None, max_length=64, index=True)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
