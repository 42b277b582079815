"""The ticket card agents see first in a ticket's topic."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.agent_buttons import button
from bot.sla_card import sla_lines
from bot.texts import texts
from core.views import CardView, status_name, type_name


def card_text(card: CardView, language: str) -> str:
    def line(key: str, value: object) -> str:
        return texts(f"card.{key}", language, value=value)

    ticket = card.ticket
    lines = [
        texts("card.title", language, number=ticket.number),
        line("type", type_name(ticket.type, language)),
        line("status", status_name(ticket.status, language)),
        line("customer", card.customer),
    ]
    if card.organization is not None:
        lines.append(line("organization", card.organization))
    if card.contract_level:
        lines.append(line("level", card.contract_level))
    lines += sla_lines(card, language)
    lines += [line("channel", ticket.channel), line("subject", ticket.subject), line("description", ticket.description)]
    if card.attachment_names:
        lines.append(line("attachments", ", ".join(card.attachment_names)))
    return "\n".join(lines)


def card_buttons(number: int, language: str) -> InlineKeyboardMarkup:
    def one(action: str, key: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(text=texts(key, language), callback_data=button(action, number))

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [one("take", "button.take"), one("ask", "button.ask")],
            [one("solve", "button.solve"), one("close", "button.close")],
        ]
    )
