"""What the customer dialogs share: the open dialog, what a turn adds to it, which choice a message picks,
and handing the collected messages to a ticket."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.messages import Choice
from core.models import Attachment, Dialog, Message, Ticket
from core.turn import Turn

NAV_WORDS = {
    "nav:cancel": {"cancel", "/cancel", "отмена", "отменить", "стоп"},
    "nav:back": {"back", "назад"},
    "nav:skip": {"skip", "пропустить", "нет", "no", "done", "готово"},
}


async def get_dialog(session: AsyncSession, identity_id: int) -> Dialog | None:
    return (await session.execute(select(Dialog).where(col(Dialog.identity_id) == identity_id))).scalar_one_or_none()


def collect(turn: Turn, data: dict[str, Any]) -> dict[str, Any]:
    """The dialog data with this turn's message and files added, so nothing said is lost."""
    return {
        **data,
        "message_ids": [*data.get("message_ids", []), turn.message.id],
        "attachment_ids": [*data.get("attachment_ids", []), *(a.id for a in turn.attachments)],
    }


def resolve_choice(turn: Turn, choices: list[Choice], *, numbers: bool) -> str | None:
    """The choice a message picks: a pressed button, or typed as its number, label or a keyword."""
    ids = {choice.id for choice in choices}
    if turn.inbound.choice in ids:
        return turn.inbound.choice
    typed = turn.text.casefold()
    if not typed:
        return None
    if numbers and typed.isdigit() and 1 <= int(typed) <= len(choices):
        return choices[int(typed) - 1].id
    for choice in choices:
        if typed == choice.label.casefold() or typed in NAV_WORDS.get(choice.id, ()):
            return choice.id
    return None


async def link_to_ticket(session: AsyncSession, ticket: Ticket, data: dict[str, Any]) -> None:
    if message_ids := data.get("message_ids"):
        await session.execute(update(Message).where(col(Message.id).in_(message_ids)).values(ticket_id=ticket.id))
    if attachment_ids := data.get("attachment_ids"):
        await session.execute(
            update(Attachment).where(col(Attachment.id).in_(attachment_ids)).values(ticket_id=ticket.id)
        )
