"""Whether a visitor's conversation is in progress (the widget then keeps its socket) and what they missed."""

from __future__ import annotations

from typing import Any

from channels.webchat import events
from channels.webchat.models import WebchatVisitor
from core import views
from core.db import SessionFactory

UNREAD_LIMIT = 100
"""The widget's badge shows 99+ beyond this, so counting further is wasted work."""


async def in_progress(sessions: SessionFactory, visitor: WebchatVisitor) -> bool:
    """A request of this visitor that is not closed, or a dialog with the bot that is not finished."""
    async with sessions() as session:
        return await views.in_progress(session, events.CHANNEL, visitor.address)


async def unread(sessions: SessionFactory, visitor: WebchatVisitor, read: int) -> int:
    """How many messages to the visitor came after event `read` (at most UNREAD_LIMIT)."""
    assert visitor.id is not None
    page = await events.after(sessions, visitor.id, read, limit=UNREAD_LIMIT)
    return sum(1 for event in page if event.payload.get("from") != "visitor")


async def summary(sessions: SessionFactory, visitor: WebchatVisitor, read: int) -> dict[str, Any]:
    """What a widget without a socket needs: is there a conversation to follow live, how much is unread."""
    return {
        "last": visitor.last_seq,
        "active": await in_progress(sessions, visitor),
        "unread": await unread(sessions, visitor, read) if read < visitor.last_seq else 0,
    }
