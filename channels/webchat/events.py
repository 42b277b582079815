"""A visitor's conversation: append events with the next number, read what came after a number."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.webchat.models import WebchatEvent, WebchatVisitor
from core.db import SessionFactory
from core.fanout import Fanout
from core.live import conversation_topic

CHANNEL = "webchat"
HISTORY_PAGE = 500


def topic(visitor: WebchatVisitor) -> str:
    return conversation_topic(CHANNEL, visitor.address)


def wire(event: WebchatEvent) -> dict[str, Any]:
    """What the widget receives; file storage keys stay on the server."""
    payload = dict(event.payload)
    payload["attachments"] = [
        {k: v for k, v in item.items() if k != "key"} | {"index": n}
        for n, item in enumerate(payload.get("attachments", []))
    ]
    return {"type": "event", "id": event.seq, "at": event.created_at.isoformat(), **payload}


async def _append(
    session: AsyncSession, visitor_id: int, dedup_key: str, payload: dict[str, Any]
) -> WebchatEvent | None:
    # Taking the next number locks the visitor's row until commit: numbers commit in order, and a
    # concurrent append with the same key waits here and then finds the first one below.
    result = await session.execute(
        update(WebchatVisitor)
        .where(col(WebchatVisitor.id) == visitor_id)
        .values(last_seq=WebchatVisitor.last_seq + 1)
        .returning(col(WebchatVisitor.last_seq))
    )
    seq = result.scalar_one()
    query = select(WebchatEvent.id).where(
        col(WebchatEvent.visitor_id) == visitor_id, col(WebchatEvent.dedup_key) == dedup_key
    )
    if (await session.execute(query)).first() is not None:
        return None
    event = WebchatEvent(visitor_id=visitor_id, seq=seq, dedup_key=dedup_key, payload=payload)
    session.add(event)
    await session.flush()
    return event


async def append(
    sessions: SessionFactory, fanout: Fanout, visitor: WebchatVisitor, dedup_key: str, payload: dict[str, Any]
) -> WebchatEvent | None:
    """Store one event once (None if `dedup_key` was stored before) and tell the visitor's sockets."""
    assert visitor.id is not None
    async with sessions() as session:
        event = await _append(session, visitor.id, dedup_key, payload)
        if event is None:
            await session.rollback()  # gives the number back: numbers have no gaps
            return None
        await session.commit()
    await fanout.publish(topic(visitor), wire(event))
    return event


async def after(sessions: SessionFactory, visitor_id: int, seq: int, limit: int = HISTORY_PAGE) -> list[WebchatEvent]:
    query = (
        select(WebchatEvent)
        .where(col(WebchatEvent.visitor_id) == visitor_id, col(WebchatEvent.seq) > seq)
        .order_by(col(WebchatEvent.seq))
        .limit(limit)
    )
    async with sessions() as session:
        return list((await session.execute(query)).scalars())


async def find(sessions: SessionFactory, visitor_id: int, seq: int) -> WebchatEvent | None:
    query = select(WebchatEvent).where(col(WebchatEvent.visitor_id) == visitor_id, col(WebchatEvent.seq) == seq)
    async with sessions() as session:
        return (await session.execute(query)).scalar_one_or_none()
