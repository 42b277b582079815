from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import InboundReceipt
from core.timeutil import utcnow


async def claim_receipt(session: AsyncSession, channel: str, external_id: str) -> bool:
    """Record that a platform message id is being handled; False if it already was.

    ON CONFLICT DO NOTHING rather than catching IntegrityError: on PostgreSQL a concurrent duplicate
    waits for the first transaction and then inserts nothing, without aborting ours.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InboundReceipt)
        .values(channel=channel, external_id=external_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    )
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
