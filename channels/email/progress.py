"""How far the support mailbox has been read: (UIDVALIDITY, last UID) per mailbox, kept in the database.

The reader records a mail here only after the consumer stored it and the server marked it, so a
restart (or another instance) continues after it instead of handing it over again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import BigInteger
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

from core.db import SessionFactory, transaction
from core.timeutil import UTCDateTime, utcnow


class EmailMailbox(SQLModel, table=True):
    """One mailbox folder read by the e-mail channel and the last UID handed over from it."""

    __tablename__ = "email_mailbox"

    # "user@host/folder": another account or folder starts from scratch.
    mailbox: str = Field(primary_key=True, max_length=512)
    uidvalidity: int = Field(sa_type=BigInteger)
    last_uid: int = Field(sa_type=BigInteger)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@dataclass(frozen=True)
class Progress:
    uidvalidity: int
    last_uid: int


class MailboxState(Protocol):
    """Where the reader keeps its progress (the database in the service)."""

    async def load(self, mailbox: str) -> Progress | None: ...

    async def save(self, mailbox: str, progress: Progress) -> None: ...


class DatabaseMailboxState:
    """`MailboxState` in the `email_mailbox` table. Progress never moves back within one UIDVALIDITY,
    so two instances reading the same mailbox cannot undo each other's records."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def load(self, mailbox: str) -> Progress | None:
        async with self._sessions() as session:
            row = await session.get(EmailMailbox, mailbox)
            return None if row is None else Progress(row.uidvalidity, row.last_uid)

    async def save(self, mailbox: str, progress: Progress) -> None:
        try:
            await self._save(mailbox, progress)
        except IntegrityError:
            # Another instance inserted the first row at the same moment; now there is one to update.
            await self._save(mailbox, progress)

    async def _save(self, mailbox: str, progress: Progress) -> None:
        async with transaction(self._sessions) as session:
            row = await session.get(EmailMailbox, mailbox, with_for_update=True)
            if row is None:
                session.add(EmailMailbox(mailbox=mailbox, uidvalidity=progress.uidvalidity, last_uid=progress.last_uid))
            elif row.uidvalidity != progress.uidvalidity or row.last_uid < progress.last_uid:
                row.uidvalidity, row.last_uid, row.updated_at = progress.uidvalidity, progress.last_uid, utcnow()
