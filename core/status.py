"""Moving a ticket to another status: checked, recorded, told to the customer and the agents, followed
by the tickets linked to a mass incident."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core import mass, sla
from core.closing import rating_wanted, status_choices
from core.models import Ticket, TicketEvent, TicketStatus
from core.outbox import to_desk
from core.tickets import TRANSITIONS, CommentRequired, InvalidTransition, customer_status_text, notify_customer, record

S = TicketStatus


async def change_status(
    session: AsyncSession,
    ticket: Ticket,
    status: TicketStatus,
    *,
    actor: str,
    comment: str | None = None,
    notify: bool = True,
) -> TicketEvent:
    """Move a ticket to `status`, record who did it, and tell the customer and the agents' desk.

    `notify=False` when the customer is not to be told here: the caller answers them itself (their
    own "not solved"), or the change answers an automatic message.
    """
    current = TicketStatus(ticket.status)
    if status not in TRANSITIONS[current]:
        raise InvalidTransition(current, status)
    comment = (comment or "").strip() or None
    if status is S.SOLVED and not comment:
        raise CommentRequired()
    ask_rating = status is S.CLOSED and await rating_wanted(session, ticket)
    kind = "reopened" if current in (S.SOLVED, S.CLOSED) and status is S.IN_PROGRESS else "status"
    event = record(session, ticket, kind, actor, comment=comment, from_status=current, to_status=status)
    ticket.status = status
    ticket.closed_at = event.created_at if status is S.CLOSED else None
    # The marker lets a channel tell a status notice from free text (WhatsApp sends it as a template
    # once its 24-hour window has closed).
    # "automatic": sent by the desk itself, not written by a person (mail marks it Auto-Submitted).
    status_meta: dict[str, object] = {"ticket_status": status.value, "ticket_number": ticket.number, "automatic": True}
    if notify:
        text = customer_status_text(ticket, status, comment, ask_rating=ask_rating)
        choices = status_choices(ticket, status, ask_rating=ask_rating)
        notify_customer(session, ticket, text, choices, meta=status_meta)
    to_desk(session, ticket, "status_changed", from_status=current.value, to_status=status.value, actor=actor)
    await sla.on_status(session, ticket, current, status, actor)
    await mass.follow(session, ticket, status, comment=comment, actor=actor)
    return event
