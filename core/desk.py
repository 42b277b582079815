"""The core's front door: channels hand it customers' messages, agent tools hand it actions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col, select

from core import agents, assignment, conversation, express, file_copies, mass
from core.assignment import AlreadyAssigned, Assignment, NotAssigned
from core.contacts import find_identity, identify, link_address, store_inbound
from core.db import SessionFactory, transaction
from core.delivery import mark_bounced
from core.files import FileStore
from core.i18n import pick_language
from core.keys import installation_key
from core.messages import COPY_OF, FROM_CUSTOMER, AttachmentRef, InboundAttachment, InboundMessage, OutboundMessage
from core.models import Attachment, InboundReceipt, Ticket, TicketStatus, TicketType
from core.outbox import enqueue, undelivered
from core.receipts import Received, claim_receipt
from core.staff import Agent
from core.threads import Thread, thread_of
from core.tickets import CommentRequired, InvalidTransition, TicketError
from core.timeutil import utcnow
from core.turn import AutoReplyGuard, Limits, Turn

T = TypeVar("T")
Answer = Callable[[str], list[str]]
"""The texts of a channel's own notice to a customer, in the language given."""
AGENT_ACTIONS = "agent-action"
"""Receipts of agent actions: an action whose key was seen before is not done again."""
COPIES = "outbound-copy"
"""Receipts of copies a channel queued on another channel: each key is copied once."""


class TicketNotFound(TicketError):
    def __init__(self, number: int) -> None:
        super().__init__(f"no ticket #{number}")
        self.number = number


class Desk:
    def __init__(
        self,
        engine: AsyncEngine,
        sessions: SessionFactory,
        files: FileStore,
        *,
        default_language: str,
        limits: Limits | None = None,
        on_queued: Callable[[], None] = lambda: None,
        full_path_concurrency: int = 16,
    ) -> None:
        self.sessions = sessions
        # Messages the express lane leaves wait here rather than for a pooled connection (core.settings).
        self._full_path = asyncio.Semaphore(full_path_concurrency)
        self.files = files
        self.default_language = default_language
        self.limits = limits or Limits()
        self.express = express.ExpressLane(engine, require_contract=self.limits.require_contract)
        self.on_queued = on_queued
        # What "now" is for customers' turns (access-code windows, the reopen window); tests replace it.
        self.clock: Callable[[], datetime] = utcnow
        # Set by the composition root (metrics, logs): called after each message is committed.
        self.on_received: Callable[[InboundMessage, Received], None] = lambda message, received: None
        # Channels that show the customer their whole conversation (the web chat's history); set by
        # the composition root. What the customer writes to such a ticket from another channel (a
        # reply by mail) is copied there, marked as theirs.
        self.echo_channels: frozenset[str] = frozenset()
        self._auto_reply_guards: dict[str, AutoReplyGuard] = {}

    def guard_auto_replies(self, channel: str, guard: AutoReplyGuard) -> None:
        """`channel`'s own limit on automatic replies to new requests (e-mail's one per sender per hour,
        RFC 3834): asked in the message's transaction, so a reply is taken exactly when it is queued."""
        self._auto_reply_guards[channel] = guard

    async def receive(self, message: InboundMessage) -> Received:
        """Handle one customer message exactly once, however often the platform delivers it."""
        if (done := await self.express.receive(message)) is not None:
            return self._received(message, done)
        async with self._full_path, transaction(self.sessions) as session:
            if not await claim_receipt(session, message.channel, message.external_id):
                return self._received(message, Received(duplicate=True))
            identity = await identify(session, message)
            stored, attachments = await store_inbound(session, identity, message, self.files)
            language = pick_language(identity.language, self.default_language)
            guard = self._auto_reply_guards.get(message.channel)
            turn = Turn(session, identity, language, message, stored, attachments, self.limits, self.clock(), guard)
            await conversation.handle(turn)
            await self._echo(session, message, stored.ticket_id, attachments)
        return self._received(message, Received(duplicate=False, message_id=stored.id))

    async def _echo(
        self, session: AsyncSession, message: InboundMessage, ticket_id: int | None, attachments: list[Attachment]
    ) -> None:
        # In the message's own transaction: the copy exists exactly when the message does. (The
        # express lane leaves every message onto another channel's ticket to this path.)
        if not self.echo_channels or ticket_id is None or not (message.text or attachments):
            return
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None or ticket.channel == message.channel or ticket.channel not in self.echo_channels:
            return
        enqueue(
            session,
            OutboundMessage(
                channel=ticket.channel,
                address=ticket.address,
                text=message.text,
                # Their files too (a mail's screenshot): the stored copies, shown from the file store.
                attachments=[AttachmentRef.model_validate(row, from_attributes=True) for row in attachments],
                ticket_id=ticket.id,
                language=ticket.language,
                meta={FROM_CUSTOMER: True, COPY_OF: message.channel},
            ),
        )

    async def seen(self, channel: str, external_id: str) -> bool:
        """Whether a platform message was handled already, so a channel can skip work for a repeat."""
        async with self.sessions() as session:
            query = select(InboundReceipt.id).where(
                col(InboundReceipt.channel) == channel, col(InboundReceipt.external_id) == external_id
            )
            return (await session.execute(query)).first() is not None

    async def refuse(self, message: InboundMessage, answer: Answer) -> bool:
        """A message the core cannot take: counted once (its receipt, the sender's identity) and answered
        with the channel's `answer`; False when the platform delivered it before."""
        async with transaction(self.sessions) as session:
            if not await claim_receipt(session, message.channel, message.external_id):
                return False
            identity = await identify(session, message)
            self._queue(session, message.channel, message.sender, identity.language, answer)
        self.on_queued()
        return True

    async def tell(self, channel: str, address: str, answer: Answer) -> None:
        """Queue a channel's own notice to a customer (a refused file, say), in their language."""
        async with transaction(self.sessions) as session:
            identity = await find_identity(session, channel, address)
            self._queue(session, channel, address, identity.language if identity else None, answer)
        self.on_queued()

    def _queue(self, session: AsyncSession, channel: str, address: str, language: str | None, answer: Answer) -> None:
        language = pick_language(language, self.default_language)
        for text in answer(language):
            enqueue(session, OutboundMessage(channel=channel, address=address, text=text, language=language))

    async def send_copy(self, message: OutboundMessage, *, key: str) -> bool:
        """Queue a copy of a customer's message on another channel (a web-chat reply mailed to an
        away visitor), once per `key`: delivered, retried and failed as any message of that channel."""
        async with transaction(self.sessions) as session:
            if not await claim_receipt(session, COPIES, key):
                return False
            enqueue(session, message)
        self.on_queued()
        return True

    async def link_address(self, channel: str, address: str, *, same_as: tuple[str, str], name: str | None) -> None:
        """Make (channel, address) one more address of the contact at `same_as` (a site's signed user id)."""
        async with transaction(self.sessions) as session:
            await link_address(session, channel, address, same_as=same_as, name=name)

    def _received(self, message: InboundMessage, received: Received) -> Received:
        if not received.duplicate:
            self.on_queued()
        self.on_received(message, received)
        return received

    async def thread(self, channel: str, ticket_id: int) -> Thread | None:
        """The ids of a ticket's messages on `channel`, for a channel that chains its replies."""
        async with self.sessions() as session:
            return await thread_of(session, channel, ticket_id)

    async def bounced(self, channel: str, external_id: str, reason: str) -> bool:
        """A sent message reported undeliverable later: mark it failed and tell the agents."""
        async with transaction(self.sessions) as session:
            found = await mark_bounced(session, channel, external_id, reason)
        if found:
            self.on_queued()
        return found

    async def installation_key(self, name: str) -> bytes:
        """A random key of this installation (the same for every instance), made on first use."""
        async with transaction(self.sessions) as session:
            return await installation_key(session, name)

    async def on_ticket(
        self, number: int, action: Callable[[AsyncSession, Ticket], Awaitable[T]], *, key: str | None = None
    ) -> T | None:
        """Run an agent action on ticket `number` in one transaction.

        With `key` (the tool's id of the message or press that asked for it) the action is done at
        most once: a platform delivering the same update again gets None and changes nothing."""
        async with transaction(self.sessions) as session:
            query = select(Ticket).where(col(Ticket.number) == number).with_for_update()
            ticket = (await session.execute(query)).scalar_one_or_none()
            if ticket is None:
                raise TicketNotFound(number)
            if key is not None and not await claim_receipt(session, AGENT_ACTIONS, key):
                return None
            result = await action(session, ticket)
        self.on_queued()
        return result

    # Agent actions. Each takes the idempotency `key` of `on_ticket` and raises TicketError when refused.

    async def reply(
        self,
        number: int,
        agent: Agent,
        text: str,
        attachments: list[InboundAttachment] | None = None,
        *,
        key: str | None = None,
    ) -> int | None:
        """Send words (and files) to the customer; the id of the stored message."""

        async def _reply(session: AsyncSession, ticket: Ticket) -> int:
            message = await agents.reply(session, self.files, ticket, agent, text, attachments)
            assert message.id is not None
            return message.id

        return await self.on_ticket(number, _reply, key=key)

    async def note(self, number: int, agent: Agent, text: str, *, key: str | None = None) -> None:
        await self.on_ticket(number, lambda s, t: agents.note(s, t, agent, text), key=key)

    async def ask(self, number: int, agent: Agent, question: str, *, key: str | None = None) -> None:
        await self.on_ticket(number, lambda s, t: agents.ask(s, t, agent, question), key=key)

    async def solve(self, number: int, agent: Agent, comment: str, *, key: str | None = None) -> None:
        await self.set_status(number, agent, TicketStatus.SOLVED, comment, key=key)

    async def close(self, number: int, agent: Agent, comment: str | None = None, *, key: str | None = None) -> None:
        await self.set_status(number, agent, TicketStatus.CLOSED, comment, key=key)

    async def reopen(self, number: int, agent: Agent, comment: str | None = None, *, key: str | None = None) -> None:
        await self.set_status(number, agent, TicketStatus.IN_PROGRESS, comment, key=key)

    async def set_status(
        self, number: int, agent: Agent, status: TicketStatus, comment: str | None = None, *, key: str | None = None
    ) -> None:
        await self.on_ticket(number, lambda s, t: agents.set_status(s, t, agent, status, comment), key=key)

    async def take(self, number: int, agent: Agent, *, key: str | None = None) -> None:
        await self.on_ticket(number, lambda s, t: agents.take(s, t, agent), key=key)

    # Customers' files known only by a platform reference (a Telegram file_id): the channel downloads
    # them into the file store (so backups hold them) and reports here.
    async def files_to_copy(self, prefix: str, limit: int = 20) -> list[AttachmentRef]:
        """Attachments of tickets with a `prefix` reference, no stored copy yet, due for a try."""
        return await file_copies.due(self.sessions, prefix, self.clock(), limit)

    async def file_copied(self, attachment_id: int, key: str, size: int) -> None:
        await file_copies.stored(self.sessions, attachment_id, key, size, self.clock())

    async def file_copy_failed(self, attachment_id: int, error: str, *, permanent: bool = False) -> None:
        """Tried again later with a growing pause, or never (`permanent`, or after too many tries)."""
        await file_copies.failed(self.sessions, attachment_id, error, self.clock(), permanent=permanent)

    async def set_type(self, number: int, agent: Agent, ticket_type: TicketType, *, key: str | None = None) -> None:
        await self.on_ticket(number, lambda s, t: agents.set_type(s, t, agent, ticket_type), key=key)

    async def assign(
        self, number: int, agent: Agent, name: str, *, again: bool = True, key: str | None = None
    ) -> Assignment | None:
        """Make `name` the ticket's assignee (`again=False`: refuse when it is already theirs, as /take does)."""
        return await self.on_ticket(number, lambda s, t: assignment.assign(s, t, agent, name, again=again), key=key)

    async def unassign(self, number: int, agent: Agent, *, key: str | None = None) -> Assignment | None:
        return await self.on_ticket(number, lambda s, t: assignment.unassign(s, t, agent), key=key)

    async def mark_mass(self, number: int, agent: Agent, *, key: str | None = None) -> None:
        """Make the ticket a mass incident that others can be linked to."""
        await self.on_ticket(number, lambda s, t: mass.mark(s, t, agent), key=key)

    async def link(self, number: int, children: list[int], agent: Agent, *, key: str | None = None) -> None:
        """Link the tickets `children` to the mass incident `number`, all or none."""

        async def _link(session: AsyncSession, parent: Ticket) -> None:
            for child_number in children:
                query = select(Ticket).where(col(Ticket.number) == child_number)
                child = (await session.execute(query)).scalar_one_or_none()
                if child is None:
                    raise TicketNotFound(child_number)
                await mass.link(session, parent, child, agent)

        await self.on_ticket(number, _link, key=key)

    async def broadcast(self, number: int, agent: Agent, text: str, *, key: str | None = None) -> None:
        """Send an update to the customers of the mass incident `number` and of every ticket linked to it."""
        await self.on_ticket(number, lambda s, t: mass.broadcast(s, t, agent, text), key=key)


__all__ = [
    "Agent",
    "AlreadyAssigned",
    "Answer",
    "Assignment",
    "CommentRequired",
    "Desk",
    "InvalidTransition",
    "NotAssigned",
    "Received",
    "Thread",
    "TicketError",
    "TicketNotFound",
    "undelivered",
]
