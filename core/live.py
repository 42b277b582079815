"""Ephemeral live signals (typing) for customers' open chat windows, sent through the fan-out."""

from __future__ import annotations

from sqlalchemy import select

from core.db import SessionFactory
from core.fanout import Fanout
from core.models import Ticket


def conversation_topic(channel: str, address: str) -> str:
    """The fan-out topic that a customer's live connections (web-chat sockets) listen on."""
    return f"conversation:{channel}:{address}"


async def agent_typing(sessions: SessionFactory, fanout: Fanout, number: int) -> bool:
    """Show "support is typing" to the customer of ticket `number`, where their channel can; False if no such ticket."""
    async with sessions() as session:
        query = select(Ticket.channel, Ticket.address).where(Ticket.number == number)
        row = (await session.execute(query)).first()
    if row is None:
        return False
    await fanout.publish(conversation_topic(row.channel, row.address), {"type": "typing"})
    return True
