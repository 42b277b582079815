"""A customer's message about a closed request: it reopens it within the window, else starts a linked one."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from core import feedback, intake, ticket_thread
from core.dialog import collect
from core.follow_link import FOLLOWS
from core.models import Ticket, TicketStatus
from core.service_texts import service_texts
from core.status import change_status
from core.turn import Turn


async def latest_closed(turn: Turn) -> Ticket | None:
    query = (
        select(Ticket)
        .where(col(Ticket.contact_id) == turn.identity.contact_id, col(Ticket.status) == TicketStatus.CLOSED)
        .order_by(col(Ticket.closed_at).desc())
    )
    return (await turn.session.execute(query.limit(1))).scalars().first()


def typed_rating(turn: Turn) -> int | None:
    """ "5" sent after the rating question, on channels without buttons."""
    text = turn.text
    return int(text) if len(text) == 1 and text.isdigit() and 1 <= int(text) <= 5 and not turn.attachments else None


async def after_close(turn: Turn, ticket: Ticket) -> None:
    """Handle a message for `ticket`, which is closed: a rating, a reopen, or a new request that follows it."""
    if ticket.rating is None and (value := typed_rating(turn)) is not None:
        await feedback.rate_ticket(turn, ticket, value)
        return
    window = timedelta(days=turn.limits.reopen_window_days)
    closed_at = ticket.closed_at or ticket.updated_at
    if turn.limits.reopen_window_days > 0 and turn.now - closed_at <= window:
        await change_status(turn.session, ticket, TicketStatus.IN_PROGRESS, actor=turn.actor, notify=False)
        await ticket_thread.append(turn, ticket)
        turn.reply(service_texts("followup.reopened", turn.language, number=ticket.number), ticket_id=ticket.id)
        return
    closed = f"{closed_at:%Y-%m-%d}"
    turn.reply(service_texts("followup.new", turn.language, number=ticket.number, closed=closed))
    await intake.start(turn, None, carry={**collect(turn, {}), FOLLOWS: ticket.number})
