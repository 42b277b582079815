"""Customers' files known only by a platform reference (a Telegram file_id): which still need a copy
in the file store, and recording the copy, so backups hold every file whatever happens to the bot.

The download itself is the channel's (it knows the platform); this module is its bookkeeping.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.customer_models import FileFetch
from core.db import SessionFactory, transaction
from core.messages import AttachmentRef
from core.models import Attachment

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=6)


async def due(sessions: SessionFactory, prefix: str, now: datetime, limit: int = 20) -> list[AttachmentRef]:
    """Attachments of a ticket with a reference starting with `prefix`, no stored copy, due for a try."""
    query = (
        select(Attachment)
        .outerjoin(FileFetch, col(FileFetch.attachment_id) == col(Attachment.id))
        .where(
            col(Attachment.ticket_id).is_not(None),
            col(Attachment.storage_key).is_(None),
            col(Attachment.external_ref).startswith(prefix),
            or_(
                col(FileFetch.attachment_id).is_(None),
                col(FileFetch.done).is_(False) & (col(FileFetch.next_try_at) <= now),
            ),
        )
        .order_by(col(Attachment.id))
        .limit(limit)
    )
    async with sessions() as session:
        rows = list((await session.execute(query)).scalars())
    return [AttachmentRef.model_validate(row, from_attributes=True) for row in rows]


async def count_missing(session: AsyncSession, prefix: str) -> int:
    """Attachments with a platform reference and no stored copy yet (including those given up on)."""
    query = select(func.count()).where(
        col(Attachment.ticket_id).is_not(None),
        col(Attachment.storage_key).is_(None),
        col(Attachment.external_ref).startswith(prefix),
    )
    return int((await session.execute(query)).scalar_one())


async def _fetch_row(session: AsyncSession, attachment_id: int, now: datetime) -> FileFetch:
    row = await session.get(FileFetch, attachment_id)
    if row is None:
        row = FileFetch(attachment_id=attachment_id, next_try_at=now)
        session.add(row)
    return row


async def stored(sessions: SessionFactory, attachment_id: int, key: str, size: int, now: datetime) -> None:
    """The copy is in the file store under `key`: the attachment names it from now on."""
    async with transaction(sessions) as session:
        attachment = await session.get(Attachment, attachment_id)
        if attachment is None:
            return
        attachment.storage_key, attachment.size = key, attachment.size or size
        row = await _fetch_row(session, attachment_id, now)
        row.done, row.attempts, row.last_error = True, row.attempts + 1, None


async def failed(
    sessions: SessionFactory, attachment_id: int, error: str, now: datetime, *, permanent: bool = False
) -> None:
    """A try failed: retried later with a growing pause, or never again (too big, gone, too many tries)."""
    async with transaction(sessions) as session:
        row = await _fetch_row(session, attachment_id, now)
        row.attempts += 1
        row.last_error = error[:500]
        row.done = permanent or row.attempts >= MAX_ATTEMPTS
        row.next_try_at = now + min(FIRST_RETRY * 2 ** (row.attempts - 1), LAST_RETRY)
