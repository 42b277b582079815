from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core import closing
from core.db import session_dialect, session_engine, single_statement
from core.messages import Choice, OutboundMessage
from core.models import OutboxMessage, Ticket, TicketCounter, TicketEvent, TicketStatus, TicketType
from core.outbox import enqueue
from core.texts import texts
from core.timeutil import utcnow

S = TicketStatus
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.IN_PROGRESS, S.WAITING_CUSTOMER, S.SOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.WAITING_CUSTOMER, S.SOLVED, S.CLOSED}),
    S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.SOLVED, S.CLOSED}),
    # Leaving "solved" or "closed" for "in progress" is a reopen.
    S.SOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset({S.IN_PROGRESS}),
}
ACTIVE_STATUSES = (S.NEW, S.IN_PROGRESS, S.WAITING_CUSTOMER, S.SOLVED)


class TicketError(Exception):
    """An action on a ticket that cannot be done; the message is for the person who tried."""


class InvalidTransition(TicketError):
    def __init__(self, current: TicketStatus, wanted: TicketStatus) -> None:
        super().__init__(f"cannot change status from {current.value} to {wanted.value}")
        self.current, self.wanted = current, wanted


class CommentRequired(TicketError):
    def __init__(self) -> None:
        super().__init__("a solution needs a comment for the customer")


_COUNTER = TicketCounter.__table__  # type: ignore[attr-defined]
_NEXT_NUMBER = (
    update(_COUNTER)
    .where(_COUNTER.c.id == 1)
    .values(last_number=_COUNTER.c.last_number + 1)
    .returning(_COUNTER.c.last_number)
)


async def allocate_number(session: AsyncSession, start: int) -> int:
    """The next ticket number; no two transactions get the same.

    On PostgreSQL the counter moves in a statement of its own, autocommitted on another connection:
    its row lock lasts that statement. Taken in the ticket's transaction, it was held to that
    transaction's commit, and every other new ticket waited for all of it. A transaction that fails
    afterwards leaves a gap in the numbers, as a sequence would. On SQLite (one writer, one pooled
    connection) the counter moves in the ticket's transaction."""
    if session_dialect(session) == "postgresql":
        [(number,)] = await single_statement(session_engine(session), _NEXT_NUMBER)
        return start - 1 + int(number)
    result = await session.execute(_NEXT_NUMBER)
    return start - 1 + int(result.scalar_one())


def type_name(ticket_type: TicketType | str, language: str) -> str:
    return texts(f"type_name.{TicketType(ticket_type).value}", language)


def status_name(status: TicketStatus | str, language: str) -> str:
    return texts(f"status.{TicketStatus(status).value}", language)


def notify_customer(
    session: AsyncSession,
    ticket: Ticket,
    text: str,
    choices: list[Choice] | None = None,
    meta: dict[str, object] | None = None,
) -> OutboxMessage:
    return enqueue(
        session,
        OutboundMessage(
            channel=ticket.channel,
            address=ticket.address,
            text=text,
            choices=choices or [],
            ticket_id=ticket.id,
            language=ticket.language,
            meta=meta or {},
        ),
    )


def record(
    session: AsyncSession,
    ticket: Ticket,
    kind: str,
    actor: str,
    *,
    comment: str | None = None,
    from_status: TicketStatus | None = None,
    to_status: TicketStatus | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    assert ticket.id is not None
    event = TicketEvent(
        created_at=at or utcnow(),
        ticket_id=ticket.id,
        kind=kind,
        actor=actor,
        comment=comment,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
    )
    session.add(event)
    ticket.updated_at = event.created_at
    return event


def customer_status_text(ticket: Ticket, status: TicketStatus, comment: str | None, *, ask_rating: bool = False) -> str:
    lang = ticket.language
    if status is S.SOLVED:
        return texts("status_solved", lang, number=ticket.number, comment=comment)
    if status is S.WAITING_CUSTOMER and comment:
        return texts("status_asked", lang, number=ticket.number, question=comment)
    if status is S.CLOSED:
        return closing.closed_text(ticket, comment, ask_rating=ask_rating)
    return texts("status_changed", lang, number=ticket.number, status=status_name(status, lang))


def touch(ticket: Ticket) -> None:
    for name, value in touched(utcnow()).items():
        setattr(ticket, name, value)


def touched(now: datetime) -> dict[str, Any]:
    """What a customer's new words change on their ticket (both ways of writing a message)."""
    return {"updated_at": now}
