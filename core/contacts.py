from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.db import dialect_insert, per_dialect, session_dialect
from core.files import FileStore
from core.messages import InboundAttachment, InboundMessage
from core.models import Attachment, Contact, Direction, Identity, Message
from core.timeutil import utcnow

# Built once: a statement built per call has its cache key generated again each time.
_FIND_IDENTITY = select(Identity).where(
    col(Identity.channel) == bindparam("channel"), col(Identity.address) == bindparam("address")
)


async def find_identity(session: AsyncSession, channel: str, address: str) -> Identity | None:
    return (await session.execute(_FIND_IDENTITY, {"channel": channel, "address": address})).scalar_one_or_none()


_CREATED = "contacts.created"


def first_contact(session: AsyncSession, identity: Identity) -> bool:
    """Whether `identity` was created by this transaction (so it has nothing yet: no dialog)."""
    return any(created is identity for created in session.info.get(_CREATED, ()))


# Creates a sender's identity unless a concurrent first message did: on PostgreSQL that one waits
# for the other transaction and then inserts nothing, without aborting ours (no savepoint needed).
# Built once per dialect, so it is compiled once.
_NEW_IDENTITY: dict[str, Any] = per_dialect(
    lambda dialect: (
        dialect_insert(dialect, Identity)
        .on_conflict_do_nothing(index_elements=["channel", "address"])
        .returning(Identity)
    )
)


async def identify(session: AsyncSession, message: InboundMessage) -> Identity:
    """The sender's identity on this channel, created with a new contact on first contact."""
    identity = await find_identity(session, message.channel, message.sender)
    now = utcnow()
    changes = identity_changes(message, now)
    if identity is None:
        contact = Contact(name=message.sender_name, language=message.language)
        session.add(contact)
        await session.flush()
        values = {"contact_id": contact.id, "channel": message.channel, "address": message.sender, "created_at": now}
        created = await session.scalars(_NEW_IDENTITY[session_dialect(session)], [values | changes])
        identity = cast(Identity | None, created.one_or_none())
        if identity is not None:
            # The session's identity map holds objects weakly: kept here for the transaction, the
            # new contact is found again without a SELECT (route checks, the new ticket).
            session.info.setdefault(_CREATED, []).extend((contact, identity))
            return identity
        await session.delete(contact)  # the other message's contact is the sender's
        identity = await find_identity(session, message.channel, message.sender)
        assert identity is not None
    for name, value in changes.items():
        setattr(identity, name, value)
    return identity


def identity_changes(message: InboundMessage, now: datetime) -> dict[str, Any]:
    """What each message from a sender updates on their identity (both ways of writing a message)."""
    changes: dict[str, Any] = {"last_inbound_at": now}
    if message.sender_name:
        changes["display_name"] = message.sender_name
    if message.language:
        changes["language"] = message.language
    return changes


def inbound_row(
    message: InboundMessage, identity_id: int | None, now: datetime, ticket_id: int | None = None
) -> dict[str, Any]:
    """The `message` row of a customer's message (both ways of writing a message)."""
    return {
        "ticket_id": ticket_id,
        "identity_id": identity_id,
        "direction": Direction.INBOUND,
        "channel": message.channel,
        "address": message.sender,
        "author": message.sender_name,
        "text": message.text,
        "external_id": message.external_id,
        "reply_to": message.reply_to,
        "created_at": now,
    }


async def store_inbound(
    session: AsyncSession, identity: Identity, message: InboundMessage, files: FileStore
) -> tuple[Message, list[Attachment]]:
    stored = Message(**inbound_row(message, identity.id, utcnow()))
    session.add(stored)
    await session.flush()
    attachments = store_attachments(session, files, stored, message.attachments)
    if attachments:
        await session.flush()  # their ids, which the turn collects (no later query may flush them)
    return stored, attachments


def store_attachments(
    session: AsyncSession,
    files: FileStore,
    message: Message,
    items: list[InboundAttachment],
    *,
    ticket_id: int | None = None,
) -> list[Attachment]:
    """Attachment rows for a stored message, their bytes (if any) put in the file store."""
    rows = [
        Attachment(
            message_id=message.id,
            ticket_id=ticket_id,
            kind=item.kind,
            filename=item.filename,
            mime_type=item.mime_type,
            size=item.size if item.size is not None else (len(item.content) if item.content else None),
            storage_key=files.put(item.content) if item.content is not None else None,
            external_ref=item.external_ref,
        )
        for item in items
    ]
    session.add_all(rows)
    return rows


async def link_address(
    session: AsyncSession, channel: str, address: str, *, same_as: tuple[str, str], name: str | None = None
) -> None:
    """Make (channel, address) one more address of the contact known at `same_as`, made on first use:
    their tickets are shared from now on."""
    known = await find_identity(session, *same_as)
    if known is None:
        contact = Contact()
        session.add(contact)
        await session.flush()
        assert contact.id is not None
        known = Identity(contact_id=contact.id, channel=same_as[0], address=same_as[1])
        session.add(known)
    identity = await find_identity(session, channel, address)
    if identity is None:
        session.add(Identity(contact_id=known.contact_id, channel=channel, address=address, display_name=name))
    else:
        identity.contact_id = known.contact_id
        if name:
            identity.display_name = name
