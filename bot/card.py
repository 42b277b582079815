"""The ticket card agents see first in a ticket's topic."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agent_buttons import button
from bot.sla_card import sla_lines
from bot.texts import texts
from core.models import Attachment, Contact, Contract, Identity, Organization, Ticket
from core.tickets import status_name, type_name


async def card_text(session: AsyncSession, ticket: Ticket, language: str) -> str:
    def line(key: str, value: object) -> str:
        return texts(f"card.{key}", language, value=value)

    contact = await session.get(Contact, ticket.contact_id)
    identity = (
        await session.execute(
            select(Identity).where(Identity.channel == ticket.channel, Identity.address == ticket.address)
        )
    ).scalar_one_or_none()
    customer = (identity.display_name if identity else None) or (contact.name if contact else None) or ticket.address
    lines = [
        texts("card.title", language, number=ticket.number),
        line("type", type_name(ticket.type, language)),
        line("status", status_name(ticket.status, language)),
        line("customer", customer),
    ]
    if ticket.organization_id is not None:
        organization = await session.get(Organization, ticket.organization_id)
        if organization is not None:
            lines.append(line("organization", organization.name))
        if level := await contract_level(session, ticket.organization_id):
            lines.append(line("level", level))
    lines += await sla_lines(session, ticket, language)
    lines += [line("channel", ticket.channel), line("subject", ticket.subject), line("description", ticket.description)]
    files = list((await session.execute(select(Attachment).where(Attachment.ticket_id == ticket.id))).scalars())
    if files:
        lines.append(line("attachments", ", ".join(f.filename or f.kind for f in files)))
    return "\n".join(lines)


async def contract_level(session: AsyncSession, organization_id: int) -> str | None:
    today = date.today()
    query = (
        select(Contract.level)
        .where(Contract.organization_id == organization_id, Contract.starts_on <= today)
        .where(or_(Contract.ends_on.is_(None), Contract.ends_on >= today))  # type: ignore[union-attr]
        .order_by(Contract.starts_on.desc())  # type: ignore[attr-defined]
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


def card_buttons(number: int, language: str) -> InlineKeyboardMarkup:
    def one(action: str, key: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=texts(key, language), callback_data=button(action, number))

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [one("take", "button.take"), one("ask", "button.ask")],
            [one("solve", "button.solve"), one("close", "button.close")],
        ]
    )
