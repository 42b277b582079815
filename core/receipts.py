from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import DialectInsert, dialect_insert, per_dialect, session_dialect
from core.models import InboundReceipt
from core.timeutil import utcnow


@dataclass(frozen=True)
class Received:
    """What became of one inbound message: handled now, or a platform's repeat of one handled before."""

    duplicate: bool
    message_id: int | None = None


# Records that a platform message id is being handled; inserts nothing if it already was.
# ON CONFLICT DO NOTHING rather than catching IntegrityError: on PostgreSQL a concurrent duplicate
# waits for the first transaction and then inserts nothing, without aborting ours.
# Built once per dialect, executed with receipt_values(): the same statement every time is
# compiled once and found in SQLAlchemy's cache after that.
_CLAIM: dict[str, DialectInsert] = per_dialect(
    lambda dialect: dialect_insert(dialect, InboundReceipt).on_conflict_do_nothing(
        index_elements=["channel", "external_id"]
    )
)


def receipt_statement(dialect: str) -> DialectInsert:
    return _CLAIM["postgresql" if dialect == "postgresql" else "sqlite"]


def receipt_values(channel: str, external_id: str) -> dict[str, Any]:
    return {"channel": channel, "external_id": external_id, "created_at": utcnow()}


async def claim_receipt(session: AsyncSession, channel: str, external_id: str) -> bool:
    """True if this transaction is the first to handle the message."""
    # On the session's connection: given separate values, Session.execute would take this for an
    # ORM bulk insert, whose result has no rowcount.
    connection = await session.connection()
    result = await connection.execute(receipt_statement(session_dialect(session)), receipt_values(channel, external_id))
    return bool(result.rowcount)
