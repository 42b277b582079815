"""What a customer does on the status page without a messenger: confirm, reopen, comment, pick a type.

The same outcomes as the chat's feedback (core/feedback.py), reached by the page's form. The form
carries a token bound to the ticket's link by an installation key, so another site cannot post it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from core.contacts import find_identity
from core.keys import installation_key
from core.models import Direction, Message, Ticket, TicketStatus
from core.outbox import to_desk
from core.requests import CUSTOMER_TYPES, record_type
from core.status import change_status
from core.tickets import TicketError, touch

FORM_KEY = "status-page-form"
Action = Literal["solved", "unsolved", "comment", "type"]
COMMENT_MAX = 4000


class PageActionRefused(TicketError):
    """The action does not fit the ticket now; `key` names the text that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def form_token(session: AsyncSession, ticket_token: str) -> str:
    """The form token of one status page: only this installation can make it, only for this ticket."""
    key = await installation_key(session, FORM_KEY)
    return hmac.new(key, f"form:{ticket_token}".encode(), hashlib.sha256).hexdigest()


async def form_token_valid(session: AsyncSession, ticket_token: str, presented: str) -> bool:
    return secrets.compare_digest(await form_token(session, ticket_token), presented)


async def act(session: AsyncSession, ticket: Ticket, action: Action, *, comment: str = "", value: str = "") -> None:
    """Do one page action on `ticket` (locked by the caller); PageActionRefused when it does not fit."""
    comment = comment.strip()[:COMMENT_MAX]
    actor = f"customer:{ticket.address}"
    status = TicketStatus(ticket.status)
    if action in ("solved", "unsolved") and status is not TicketStatus.SOLVED:
        raise PageActionRefused("form.stale")
    if action == "solved":
        await change_status(session, ticket, TicketStatus.CLOSED, actor=actor)
    elif action == "unsolved":
        await change_status(session, ticket, TicketStatus.IN_PROGRESS, actor=actor, comment=comment or "-")
        if comment:
            await customer_comment(session, ticket, comment)
    elif action == "comment":
        if not comment:
            raise PageActionRefused("form.empty")
        if status is TicketStatus.CLOSED:
            raise PageActionRefused("form.stale")
        await customer_comment(session, ticket, comment)
        if status is TicketStatus.WAITING_CUSTOMER:
            await change_status(session, ticket, TicketStatus.IN_PROGRESS, actor=actor)
    elif action == "type":
        picked = next((t for t in CUSTOMER_TYPES if t.value == value), None)
        if picked is None or status is not TicketStatus.NEW:
            raise PageActionRefused("form.stale")
        record_type(session, ticket, picked, actor)


async def customer_comment(session: AsyncSession, ticket: Ticket, text: str) -> Message:
    """The customer's words from the page, kept on the ticket and shown to the agents like a message."""
    identity = await find_identity(session, ticket.channel, ticket.address)
    message = Message(
        ticket_id=ticket.id,
        identity_id=identity.id if identity else None,
        direction=Direction.INBOUND,
        channel=ticket.channel,
        address=ticket.address,
        author=identity.display_name if identity else None,
        text=text,
    )
    session.add(message)
    await session.flush()
    touch(ticket)
    to_desk(session, ticket, "customer_message", message_id=message.id)
    return message


__all__ = ["FORM_KEY", "Action", "PageActionRefused", "act", "form_token", "form_token_valid"]
