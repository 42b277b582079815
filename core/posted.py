"""Where a desk event addressed to one thing was last posted, so its renderer edits instead of repeating."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.messages import AGENT_DESK
from core.models import OutboxMessage, OutboxStatus


async def last_posted(session: AsyncSession, address: str) -> str | None:
    """The external id of the last sent desk event at `address` (events there go out in order)."""
    query = (
        select(OutboxMessage.external_id)
        .where(
            col(OutboxMessage.channel) == AGENT_DESK,
            col(OutboxMessage.address) == address,
            col(OutboxMessage.status) == OutboxStatus.SENT,
            col(OutboxMessage.external_id).is_not(None),
        )
        .order_by(col(OutboxMessage.id).desc())
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()
