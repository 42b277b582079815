"""The common case written for a group at once: a customer's plain words onto their one open request.

Most inbound traffic is a customer who already has a request open and writes more about it. The
full path (`core.conversation`) builds ORM objects for the identity, the message, the ticket and
the outbox row, about 4 ms of Python per message on a small VM against 0.3 ms of SQLite. This lane
writes the same rows for a whole group of messages with a few Core statements in one transaction.

It decides nothing of its own: every message goes through the same decision as on the full path
(`core.route.decide`), answered from one lookup made for the whole group; a question that lookup
cannot answer (a reply to a particular message, a typed "solved", an expired contract...) sends
the message down the full path, untouched. The rows come from the builders the full path uses
(`contacts.inbound_row`, `contacts.identity_changes`, `tickets.touched`, `outbox.desk_event`,
`outbox.outbox_row`). It takes only the decision's APPEND, and only when appending changes nothing
else (no files to store, no status to change). tests/core/test_express.py compares the rows.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Update, and_, bindparam, insert, inspect, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col

from core import route
from core.contacts import identity_changes, inbound_row
from core.messages import InboundMessage
from core.models import Contact, Dialog, Identity, InboundReceipt, Message, OutboxMessage, Ticket, TicketStatus
from core.outbox import desk_event, outbox_row
from core.receipts import Received, receipt_statement, receipt_values
from core.ticket_thread import reopens
from core.tickets import ACTIVE_STATUSES, touched
from core.timeutil import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

Key = tuple[str, str]  # (channel, address) of a sender

# Everything the decision may ask that one query can answer for a group of senders: their identity,
# the dialog step they are at, whether they owe an access code, and every request not closed.
_LOOKUP = (
    select(
        col(Identity.channel),
        col(Identity.address),
        col(Identity.id),
        col(Contact.organization_id),
        select(col(Dialog.step))
        .where(col(Dialog.identity_id) == col(Identity.id))
        .scalar_subquery()
        .label("dialog_step"),
        col(Ticket.id).label("ticket_id"),
        col(Ticket.number),
        col(Ticket.status),
        col(Ticket.language),
        col(Ticket.updated_at),
        col(Ticket.channel).label("ticket_channel"),
    )
    .join(Contact, col(Contact.id) == col(Identity.contact_id))
    .outerjoin(
        Ticket,
        # "Not closed" is ACTIVE_STATUSES (asserted below), without an IN list of statuses.
        and_(col(Ticket.contact_id) == col(Identity.contact_id), col(Ticket.status) != TicketStatus.CLOSED),
    )
    .where(
        tuple_(col(Identity.channel), col(Identity.address)).in_(bindparam("senders", expanding=True)),
        # Implied by the pairs, but SQLite only searches the (channel, address) index through
        # plain IN lists: with the row-value IN alone it scans `identity` once a batch has two senders.
        col(Identity.channel).in_(bindparam("channels", expanding=True)),
        col(Identity.address).in_(bindparam("addresses", expanding=True)),
    )
)
assert set(ACTIVE_STATUSES) == set(TicketStatus) - {TicketStatus.CLOSED}


@functools.cache
def _setter(model: type[SQLModel], key: str, names: tuple[str, ...]) -> Update:
    """UPDATE <model> SET <names> WHERE id = :key, each value bound as new_<name> with its column's type."""
    table = inspect(model).local_table
    values = {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in names}
    return update(table).where(table.c.id == bindparam(key)).values(values)


@dataclass(frozen=True)
class Target:
    """A request as the lookup sees it."""

    identity_id: int
    ticket_id: int
    number: int
    status: TicketStatus
    language: str
    channel: str


class LaneFacts:
    """The decision's questions, answered from the group's lookup; the rest raise route.Unknown."""

    def __init__(self, rows: list[Any], require_contract: bool) -> None:
        self.rows, self.require_contract = rows, require_contract

    async def dialog_step(self) -> str | None:
        step: str | None = self.rows[0].dialog_step
        return step

    async def owes_access_code(self) -> bool:
        return self.rows[0].organization_id is None

    async def contract_valid(self) -> bool:
        raise route.Unknown("contract")

    async def latest_solved(self) -> int | None:
        raise route.Unknown("latest solved request")

    async def replied_ticket(self) -> Target | None:
        raise route.Unknown("the message replied to")

    async def answered_ticket(self) -> Target | None:
        raise route.Unknown("the message answered")

    async def active_tickets(self) -> list[Target]:
        rows = sorted((row for row in self.rows if row.ticket_id is not None), key=lambda row: row.updated_at)
        return [
            Target(row.id, row.ticket_id, row.number, row.status, row.language, row.ticket_channel)
            for row in reversed(rows)
        ]

    async def latest_closed(self) -> Target | None:
        raise route.Unknown("latest closed request")

    def closed(self, ticket: Target) -> bool:
        return ticket.status == TicketStatus.CLOSED


async def plan(message: InboundMessage, rows: list[Any] | None, require_contract: bool) -> Target | None:
    """The request this lane appends `message` to, or None: the full path's (nothing written)."""
    if rows is None or message.attachments:  # unknown sender (a first contact); files to store
        return None
    try:
        chosen = await route.decide(message, LaneFacts(rows, require_contract), require_contract=require_contract)
    except route.Unknown:
        return None
    if chosen.kind != route.APPEND or chosen.ticket is None or reopens(chosen.ticket.status):
        return None
    if chosen.ticket.channel != message.channel:  # may need a copy on that channel (Desk.echo_channels)
        return None
    return chosen.ticket


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
        # Groups being written, in the order they were taken: their senders, and set once committed.
        self._in_flight: list[tuple[set[Key], asyncio.Event]] = []
        self._writing = 0
        self._tasks: set[asyncio.Task[None]] = set()  # held, so that they are not collected mid-way

    async def receive(self, message: InboundMessage) -> Received | None:
        """The message handled, or None: not this case (nothing written), for the full path."""
        if message.attachments or not route.may_append(message):  # the lane stores no files
            return None  # (and a message the decision cannot append is not worth a lookup)
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
            senders = {(m.channel, m.sender) for m in messages}
            # A sender's later messages are written after their earlier ones: a group waits for the
            # groups taken before it that share a sender (taken in arrival order, so no cycle).
            earlier = [done for taken, done in self._in_flight if taken & senders]
            entry = (senders, asyncio.Event())
            self._in_flight.append(entry)
            try:
                for done in earlier:
                    await done.wait()
                results = await self._write_group(messages)
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
            finally:
                entry[1].set()
                self._in_flight.remove(entry)
            for (_, future), result in zip(group, results, strict=True):
                if not future.done():  # a caller that gave up; its message is stored all the same
                    future.set_result(result)

    async def _write_group(self, messages: list[InboundMessage]) -> list[Received | None]:
        """Decide and write a group in one transaction; None for a message left to the full path."""
        async with self.engine.connect() as connection:
            return await connection.run_sync(receive_group, messages, self.require_contract)


def receive_group(
    connection: Connection, messages: list[InboundMessage], require_contract: bool
) -> list[Received | None]:
    """Look up, decide and write a group in one transaction and one hop into the driver's greenlet."""
    with connection.begin():
        found = lookup(connection, {(m.channel, m.sender) for m in messages})
        targets = [_now(plan(m, found.get((m.channel, m.sender)), require_contract)) for m in messages]
        return write_group(connection, messages, targets)


def _now(step: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that awaits nothing: the decision, every fact of which comes from
    the lookup (or raises), runs to its end at once, here, without the event loop."""
    try:
        step.send(None)
    except StopIteration as done:
        return cast(T, done.value)
    step.close()
    raise RuntimeError("the lane's decision awaited something: a fact not answered from the lookup")


def lookup(connection: Connection, senders: set[Key]) -> dict[Key, list[Any]]:
    """The lookup's rows of each sender with an identity."""
    found: dict[Key, list[Any]] = {}
    pairs = sorted(senders)
    params = {"senders": pairs, "channels": sorted({c for c, _ in pairs}), "addresses": sorted({a for _, a in pairs})}
    for row in connection.execute(_LOOKUP, params):
        found.setdefault((row.channel, row.address), []).append(row)
    return found


def write_group(
    connection: Connection, messages: list[InboundMessage], targets: list[Target | None]
) -> list[Received | None]:
    """Write the messages that have a target, with the same few statements whatever their number.

    After the lookup and in its transaction: what this lane writes never changes what the lookup
    saw, so a group's messages cannot disagree."""
    results: list[Received | None] = [None] * len(messages)
    ours = [(i, m, t) for i, (m, t) in enumerate(zip(messages, targets, strict=True)) if t is not None]
    claimed = _claim_receipts(connection, [m for _, m, _ in ours])
    new: list[tuple[int, InboundMessage, Target]] = []
    for i, message, target in ours:
        if (message.channel, message.external_id) in claimed:
            claimed.discard((message.channel, message.external_id))  # a repeat within the group
            new.append((i, message, target))
        else:
            results[i] = Received(duplicate=True)
    if not new:
        return results
    now = utcnow()
    _update_rows(connection, Identity, "identity_id", [(t.identity_id, identity_changes(m, now)) for _, m, t in new])
    rows = [inbound_row(m, t.identity_id, now, ticket_id=t.ticket_id) for _, m, t in new]
    message_ids = connection.execute(_STORE_MESSAGES, rows).scalars().all()
    tickets = sorted({t.ticket_id for _, _, t in new})
    _update_rows(connection, Ticket, "ticket_id", [(ticket_id, touched(now)) for ticket_id in tickets])
    desk = [
        outbox_row(desk_event(t.ticket_id, t.number, t.language, "customer_message", message_id=message_id), now)
        for (_, _, t), message_id in zip(new, message_ids, strict=True)
    ]
    connection.execute(insert(OutboxMessage), desk)
    for (i, _, _), message_id in zip(new, message_ids, strict=True):
        results[i] = Received(duplicate=False, message_id=message_id)
    return results


# With several rows and sort_by_parameter_order, SQLAlchemy sends one multi-row INSERT ...
# RETURNING and gives the new ids back in the order of the rows.
_STORE_MESSAGES = insert(Message).returning(col(Message.id), sort_by_parameter_order=True)


def _update_rows(
    connection: Connection, model: type[SQLModel], key: str, changes: list[tuple[int, Mapping[str, Any]]]
) -> None:
    """One executemany per set of changed columns (rows whose messages say the same kind of thing)."""
    by_names: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in changes:
        names = tuple(sorted(values))
        by_names.setdefault(names, []).append({key: row_id, **{f"new_{n}": v for n, v in values.items()}})
    for names, params in by_names.items():
        connection.execute(_setter(model, key, names), params)


@functools.cache
def _claim(dialect: str) -> Any:
    return receipt_statement(dialect).returning(col(InboundReceipt.channel), col(InboundReceipt.external_id))


def _claim_receipts(connection: Connection, messages: list[InboundMessage]) -> set[Key]:
    """Record the platform message ids; the (channel, id) pairs that were not recorded before."""
    if not messages:
        return set()
    claim = _claim(connection.dialect.name)
    rows = [receipt_values(m.channel, m.external_id) for m in messages]
    return {(row.channel, row.external_id) for row in connection.execute(claim, rows)}
