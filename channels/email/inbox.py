"""Raw mails kept in the database before the mailbox is told they are done, processed from there.

`store` is the reader's `on_mail`: once it returns, the mail is durable, and processing happens
later from the stored copy (also after a crash). Replacing this with the core's durable inbox is
one call: the plugin passes the core inbox's `store` as `on_mail` instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from channels.email.inbound import MailRefused
from channels.email.models import EmailInbox
from core.db import SessionFactory, transaction
from core.loop import WakeableLoop
from core.timeutil import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MailHandlerFn = Callable[[bytes, str], Awaitable[None]]


def sender_of(data: bytes) -> str:
    """The From address alone, read from the headers without parsing the body."""
    headers = BytesHeaderParser(policy=policy.default).parsebytes(data)
    return parseaddr(str(headers.get("From", "")))[1].lower()


class MailInbox(WakeableLoop):
    name = "email inbox"

    def __init__(
        self,
        sessions: SessionFactory,
        handle: MailHandlerFn,
        *,
        poll_interval: float = 1.0,
        batch: int = 64,
        concurrency: int = 8,
    ) -> None:
        super().__init__(poll_interval)
        self.sessions, self.handle, self.batch, self.concurrency = sessions, handle, batch, concurrency

    async def store(self, mailbox_key: str, data: bytes) -> None:
        """Keep one mail; a repeated hand-over of the same (UIDVALIDITY, UID) is stored once."""
        async with transaction(self.sessions) as session:
            dialect = postgresql if session.bind is not None and session.bind.dialect.name == "postgresql" else sqlite
            statement = dialect.insert(EmailInbox).on_conflict_do_nothing(index_elements=["mailbox_key"])
            await session.execute(
                statement.values(
                    mailbox_key=mailbox_key, data=data, attempts=0, received_at=utcnow(), next_attempt_at=utcnow()
                )
            )
        self.wake()

    async def run_once(self) -> int:
        """Process stored mails: each sender's in arrival order (a follow-up after its request),
        different senders side by side. Several instances may take the same mail, which the desk's
        receipts make harmless."""
        async with self.sessions() as session:
            query = (
                select(EmailInbox)
                .where(col(EmailInbox.processed_at).is_(None), col(EmailInbox.next_attempt_at) <= utcnow())
                .order_by(col(EmailInbox.id))
                .limit(self.batch)
            )
            rows = list((await session.execute(query)).scalars())
        by_sender: dict[str, list[EmailInbox]] = defaultdict(list)
        for row in rows:
            by_sender[sender_of(row.data)].append(row)
        slots = asyncio.Semaphore(self.concurrency)

        async def in_order(own: list[EmailInbox]) -> None:
            async with slots:
                for row in own:
                    await self._process(row)

        await asyncio.gather(*(in_order(own) for own in by_sender.values()))
        return len(rows)

    async def _process(self, row: EmailInbox) -> None:
        values: dict[str, object]
        try:
            await self.handle(row.data, row.mailbox_key)
        except MailRefused as refused:
            log.warning("email inbox %s refused: %s", row.id, refused)
            values = {"processed_at": utcnow(), "last_error": f"refused: {refused}"}
        except Exception as error:
            attempts = row.attempts + 1
            reason = f"{type(error).__name__}: {error}"
            log.exception("email inbox %s failed (attempt %s)", row.id, attempts)
            # Given up on: kept with its bytes and the reason, visible and replayable by hand.
            values = {
                "attempts": attempts,
                "last_error": reason,
                "next_attempt_at": utcnow() + timedelta(seconds=min(2**attempts, 300)),
            }
            if attempts >= MAX_ATTEMPTS:
                values["processed_at"] = utcnow()
        else:
            values = {"processed_at": utcnow(), "last_error": None}
        async with transaction(self.sessions) as session:
            await session.execute(update(EmailInbox).where(col(EmailInbox.id) == row.id).values(**values))
