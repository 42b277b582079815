"""The WhatsApp channel's own table: what happened to each sent message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.timeutil import UTCDateTime, utcnow


class WhatsAppSent(SQLModel, table=True):
    """One message accepted by the Graph API for an outbox row (long texts are several parts).

    Knowing the parts already sent lets a retry continue where it stopped instead of repeating them;
    delivery receipts (`statuses[]`) update `status` by `wamid`.
    """

    __tablename__ = "whatsapp_sent"
    __table_args__ = (UniqueConstraint("outbox_id", "part"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outboxmessage.id", index=True)
    part: int
    wamid: str = Field(max_length=128, unique=True)
    recipient: str = Field(max_length=32)
    status: str = Field(default="accepted", max_length=16)
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
