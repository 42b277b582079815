"""The common case without the ORM: a customer's plain words onto their one open request.

Most inbound traffic is a customer who already has a request open and writes more about it. The
full path (`core.conversation`) builds ORM objects for the identity, the message, the ticket and
the outbox row; on a small VM that is about 4 ms of Python per message, against 0.3 ms of SQLite.
This lane makes the same writes with six prepared Core statements run in one greenlet hop, about
0.8 ms. It takes a message only when the full path would do exactly this and nothing else; for
anything more (a first message, a dialog in progress, a command, a button, a file, a reply to a
particular message, several open requests, a request waiting for the customer, a contact who
still owes an access code) it steps aside, untouched, and the full path handles the message.
tests/core/test_express.py compares the rows both paths write.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from core.feedback import typed_confirmation
from core.messages import AGENT_DESK, InboundMessage
from core.models import (
    Contact,
    Dialog,
    Direction,
    Identity,
    InboundReceipt,
    Message,
    OutboxMessage,
    OutboxStatus,
    Ticket,
    TicketStatus,
)
from core.receipts import Received
from core.tickets import ACTIVE_STATUSES
from core.timeutil import UTCDateTime, utcnow

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (channel, address) of a sender

# Everything the lane must know of the senders, in one query: their identity, whether a dialog is
# in progress, whether they owe an access code, and every request of theirs that is not closed.
_LOOKUP = (
    select(
        Identity.channel,
        Identity.address,
        Identity.id,
        Contact.organization_id,
        select(Dialog.id).where(Dialog.identity_id == Identity.id).exists().label("in_dialog"),
        Ticket.id.label("ticket_id"),  # type: ignore[union-attr]
        Ticket.number,
        Ticket.status,
        Ticket.language,
    )
    .join(Contact, Contact.id == Identity.contact_id)  # type: ignore[arg-type]
    .outerjoin(
        Ticket,
        # "Not closed" is ACTIVE_STATUSES (asserted below), without an IN list of statuses.
        and_(Ticket.contact_id == Identity.contact_id, Ticket.status != TicketStatus.CLOSED),  # type: ignore[arg-type]
    )
    .where(
        tuple_(Identity.channel, Identity.address).in_(bindparam("senders", expanding=True)),
        # Implied by the pairs, but SQLite only searches the (channel, address) index through
        # plain IN lists: with the row-value IN alone it scans `identity` once a batch has two senders.
        Identity.channel.in_(bindparam("channels", expanding=True)),  # type: ignore[attr-defined]
        Identity.address.in_(bindparam("addresses", expanding=True)),  # type: ignore[attr-defined]
    )
)
assert set(ACTIVE_STATUSES) == set(TicketStatus) - {TicketStatus.CLOSED}
# Given several rows, SQLAlchemy sends one multi-row INSERT (its "insertmanyvalues"); RETURNING
# names the rows that were new. Built once per dialect so that it is compiled once.
_CLAIM = {
    name: dialect.insert(InboundReceipt)
    .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    .returning(InboundReceipt.channel, InboundReceipt.external_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_TOUCH_IDENTITY = (
    update(Identity)
    .where(Identity.id == bindparam("identity_id"))  # type: ignore[arg-type]
    .values(
        last_inbound_at=bindparam("now", type_=UTCDateTime),
        display_name=func.coalesce(bindparam("name"), Identity.display_name),
        language=func.coalesce(bindparam("lang"), Identity.language),
    )
)
# With several rows and sort_by_parameter_order, SQLAlchemy sends one multi-row INSERT ...
# RETURNING and gives the new ids back in the order of the rows.
_STORE_MESSAGES = insert(Message).returning(Message.id, sort_by_parameter_order=True)  # type: ignore[arg-type]
_TOUCH_TICKET = (
    update(Ticket)
    .where(Ticket.id == bindparam("ticket_id"))  # type: ignore[arg-type]
    .values(updated_at=bindparam("now", type_=UTCDateTime))
)
_TO_DESK = insert(OutboxMessage)


def eligible(message: InboundMessage) -> bool:
    """What the message itself must be: plain words, not a command, a button, a file or a reply."""
    text = message.text.strip()
    return bool(
        text
        and not text.startswith("/")
        and not message.attachments
        and not message.choice
        and not message.reply_to
        and message.subject is None
        and not message.reply_candidates
        and message.ticket_hint is None
        and typed_confirmation(text) is None
    )


class ExpressLane:
    """Eligible messages, committed in groups: messages that arrive together share a transaction.

    At a trickle every message is its own group and waits for nothing; under load, the messages
    that queued while a group was being written go together in the next, which spreads the cost of
    BEGIN, COMMIT and taking a pooled connection over all of them (group commit). A caller's
    message is committed before its receive() returns, as on the full path.
    """

    def __init__(self, engine: AsyncEngine, *, require_contract: bool, group_size: int = 32) -> None:
        self.engine = engine
        self.require_contract = require_contract
        self.group_size = group_size
        # SQLite has one writer: a second group would only queue for the one pooled connection.
        self.writers = 1 if engine.dialect.name == "sqlite" else 4
        self._waiting: list[tuple[InboundMessage, asyncio.Future[Received | None]]] = []
        self._writing = 0
        self._tasks: set[asyncio.Task[None]] = set()  # held, so that they are not collected mid-way

    async def receive(self, message: InboundMessage) -> Received | None:
        """The message handled, or None: not this case (nothing written), for the full path."""
        future: asyncio.Future[Received | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((message, future))
        if self._writing < self.writers:
            # Counted here and uncounted in _write itself, with no await in between: a task that
            # has seen nothing waiting never leaves a new message unattended.
            self._writing += 1
            task = asyncio.create_task(self._write())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _write(self) -> None:
        try:
            await self._write_groups()
        finally:
            self._writing -= 1

    async def _write_groups(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[: self.group_size], self._waiting[self.group_size :]
            messages = [message for message, _ in group]
            try:
                async with self.engine.connect() as connection:
                    results = await connection.run_sync(receive_group, messages, self.require_contract)
            except Exception:
                # The transaction rolled back: the full path takes each message on its own, so one
                # that fails there fails alone, with its own error for its caller. (Had the group
                # been committed after all, the full path finds the receipts: duplicates.)
                log.warning("express group of %d failed; handing it to the full path", len(group), exc_info=True)
                results = [None] * len(group)
            except BaseException:
                # Shutting down: the callers stop too, and the platforms send again (receipts).
                for _, future in group:
                    future.cancel()
                raise
            for (_, future), result in zip(group, results, strict=True):
                if not future.done():  # a caller that gave up; its message is stored all the same
                    future.set_result(result)


def receive_group(
    connection: Connection, messages: list[InboundMessage], require_contract: bool
) -> list[Received | None]:
    """Write a group of eligible messages in one transaction, with the same few statements
    whatever its size; None, for a message, writes nothing of it: it is not this lane's case."""
    with connection.begin():
        targets = _targets(connection, {(m.channel, m.sender) for m in messages}, require_contract)
        ours = [(i, m) for i, m in enumerate(messages) if (m.channel, m.sender) in targets]
        results: list[Received | None] = [None] * len(messages)
        # After the lookup, so that a message left to the full path has written nothing. What this
        # lane writes never changes what the lookup sees, so a group's messages cannot disagree.
        claimed = _claim_receipts(connection, [m for _, m in ours])
        new = []
        for i, message in ours:
            if (message.channel, message.external_id) in claimed:
                claimed.discard((message.channel, message.external_id))  # a repeat within the group
                new.append((i, message))
            else:
                results[i] = Received(duplicate=True)
        if not new:
            return results
        now = utcnow()
        connection.execute(
            _TOUCH_IDENTITY,
            [
                {"identity_id": targets[m.channel, m.sender].id, "now": now, "name": m.sender_name, "lang": m.language}
                for _, m in new
            ],
        )
        message_ids = (
            connection.execute(_STORE_MESSAGES, [_message_row(m, targets, now) for _, m in new]).scalars().all()
        )
        tickets = {targets[m.channel, m.sender].ticket_id for _, m in new}
        connection.execute(_TOUCH_TICKET, [{"ticket_id": ticket_id, "now": now} for ticket_id in sorted(tickets)])
        connection.execute(
            _TO_DESK,
            [
                _desk_row(targets[m.channel, m.sender], message_id, now)
                for (_, m), message_id in zip(new, message_ids, strict=True)
            ],
        )
        for (i, _), message_id in zip(new, message_ids, strict=True):
            results[i] = Received(duplicate=False, message_id=message_id)
        return results


def _targets(connection: Connection, senders: set[Key], require_contract: bool) -> dict[Key, Any]:
    """The senders this lane may handle, each with its one request not closed."""
    found: dict[Key, list[Any]] = {}
    pairs = sorted(senders)
    lookup = {"senders": pairs, "channels": sorted({c for c, _ in pairs}), "addresses": sorted({a for _, a in pairs})}
    for row in connection.execute(_LOOKUP, lookup):
        found.setdefault((row.channel, row.address), []).append(row)
    return {
        key: rows[0]
        for key, rows in found.items()
        if len(rows) == 1  # several open requests: the full path asks which one
        and rows[0].ticket_id is not None  # none: the full path starts the intake dialog
        and not rows[0].in_dialog
        and rows[0].status != TicketStatus.WAITING_CUSTOMER  # the full path moves it back to work
        and not (require_contract and rows[0].organization_id is None)  # owes an access code
    }


def _claim_receipts(connection: Connection, messages: list[InboundMessage]) -> set[Key]:
    """Record the platform message ids; the (channel, id) pairs that were not recorded before."""
    if not messages:
        return set()
    claim = _CLAIM["postgresql" if connection.dialect.name == "postgresql" else "sqlite"]
    now = utcnow()
    rows = [{"channel": m.channel, "external_id": m.external_id, "created_at": now} for m in messages]
    return {(row.channel, row.external_id) for row in connection.execute(claim, rows)}


def _message_row(message: InboundMessage, targets: dict[Key, Any], now: Any) -> dict[str, Any]:
    return {
        "ticket_id": targets[message.channel, message.sender].ticket_id,
        "identity_id": targets[message.channel, message.sender].id,
        "direction": Direction.INBOUND,
        "channel": message.channel,
        "address": message.sender,
        "author": message.sender_name,
        "text": message.text,
        "external_id": message.external_id,
        "reply_to": None,
        "created_at": now,
    }


def _desk_row(target: Any, message_id: int, now: Any) -> dict[str, Any]:
    """What core.outbox.to_desk queues for a customer's message, payload as OutboundMessage.payload()."""
    return {
        "channel": AGENT_DESK,
        "address": str(target.number),
        "kind": "customer_message",
        "payload": {
            "text": "",
            "choices": [],
            "attachments": [],
            "language": target.language,
            "meta": {"message_id": message_id},
        },
        "ticket_id": target.ticket_id,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
