"""Where a desk event addressed to one thing was last posted, so its renderer edits instead of repeating."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import AGENT_DESK
from core.models import OutboxMessage, OutboxStatus


async def last_posted(session: AsyncSession, address: str) -> str | None:
    """The external id of the last sent desk event at `address` (events there go out in order)."""
    query = (
        select(OutboxMessage.external_id)
        .where(
            OutboxMessage.channel == AGENT_DESK,
            OutboxMessage.address == address,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.external_id.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()
