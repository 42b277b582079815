"""Canned replies: saved answers agents send with `/r <name>`, placeholders filled from the ticket."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import agents
from core.desk_models import CannedReply
from core.files import FileStore
from core.models import Contact, Identity, Ticket
from core.staff import Agent
from core.tickets import TicketError, status_name, type_name

NAME = re.compile(r"^[\w-]{1,64}$", re.UNICODE)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = ("name", "number", "subject", "status", "type", "agent")


class CannedError(TicketError):
    pass


class UnknownReply(CannedError):
    def __init__(self, name: str) -> None:
        super().__init__(f"there is no saved reply “{name}”")
        self.name = name


def check_name(name: str) -> str:
    name = name.strip().casefold()
    if not NAME.match(name):
        raise CannedError(f"“{name}” cannot be a name: use letters, digits, - or _ (at most 64)")
    return name


async def get(session: AsyncSession, name: str) -> CannedReply | None:
    query = select(CannedReply).where(col(CannedReply.name) == name.strip().casefold())
    return (await session.execute(query)).scalar_one_or_none()


async def save(session: AsyncSession, name: str, text: str, *, author: str | None) -> tuple[CannedReply, bool]:
    """Create or replace the reply `name`; whether it is new."""
    name, text = check_name(name), text.strip()
    if not text:
        raise CannedError("the reply has no text")
    reply = await get(session, name)
    created = reply is None
    reply = reply or CannedReply(name=name, text=text)
    reply.text, reply.created_by = text, author
    session.add(reply)
    await session.flush()
    return reply, created


async def all_replies(session: AsyncSession) -> list[CannedReply]:
    return list((await session.execute(select(CannedReply).order_by(CannedReply.name))).scalars())


async def delete(session: AsyncSession, name: str) -> None:
    reply = await get(session, name)
    if reply is None:
        raise UnknownReply(name)
    await session.delete(reply)


async def send(session: AsyncSession, files: FileStore, ticket: Ticket, name: str, agent: Agent) -> str:
    """Send the saved reply `name` to the ticket's customer as the agent's words; the text sent."""
    reply = await get(session, name)
    if reply is None:
        raise UnknownReply(name)
    text = await fill(session, reply.text, ticket, agent.name)
    await agents.reply(session, files, ticket, agent, text)
    return text


async def fill(session: AsyncSession, text: str, ticket: Ticket, agent: str) -> str:
    """The reply's text for this ticket: {name} {number} {subject} {status} {type} {agent}; others stay as typed."""
    identity = (
        await session.execute(
            select(Identity).where(col(Identity.channel) == ticket.channel, col(Identity.address) == ticket.address)
        )
    ).scalar_one_or_none()
    contact = await session.get(Contact, ticket.contact_id)
    values = {
        "name": (contact.name if contact else None) or (identity.display_name if identity else None) or "",
        "number": str(ticket.number),
        "subject": ticket.subject,
        "status": status_name(ticket.status, ticket.language),
        "type": type_name(ticket.type, ticket.language),
        "agent": agent,
    }
    # Not str.format: a customer-facing text may hold other braces, and a name must not be expanded twice.
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
