"""The ticket card agents see first in a ticket's topic, rendered from the ticket as it is now."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.formatting import Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot import roster
from bot.agent_buttons import button
from bot.models import TelegramTopic
from bot.rich import joined, mention, rich, topic_link
from bot.sla_card import sla_lines
from bot.texts import texts
from core.views import CardView, TicketRef, TicketStatus, TicketView, type_name

S = TicketStatus
DESCRIPTION_LIMIT = 1500  # the card is one message (4096) so it can be edited in place
LISTED = 5  # earlier or linked tickets named on the card; the rest are counted
BUTTONS: dict[TicketStatus, tuple[str, ...]] = {
    S.NEW: ("take", "ask", "solve", "close"),
    S.IN_PROGRESS: ("ask", "solve", "close"),
    S.WAITING_CUSTOMER: ("solve", "close"),
    S.SOLVED: ("close", "reopen"),
    S.CLOSED: ("reopen",),
}


@dataclass(frozen=True)
class Card:
    text: Text
    markup: InlineKeyboardMarkup

    def signature(self) -> str:
        """What the card shows, to tell whether an edit would change anything."""
        text, entities = self.text.render()
        return "\n".join([text, repr(entities), self.markup.model_dump_json()])


async def render_card(session: AsyncSession, card: CardView, language: str, chat_id: int) -> Card:
    def line(key: str, value: object) -> Text:
        return rich(texts, f"card.{key}", language, value=value)

    async def links(refs: tuple[TicketRef, ...]) -> Text:
        topics = await topics_of(session, [ref.id for ref in refs])
        return joined([topic_link(f"#{ref.number}", chat_id, topics.get(ref.id)) for ref in refs])

    ticket = card.ticket
    assignee = await roster.by_name(session, chat_id, ticket.assignee)
    lines: list[Text] = [
        Text(texts("card.title", language, number=ticket.number)),
        line("type", type_name(ticket.type, language)),
        line("status", texts(f"agent_status.{ticket.status.value}", language)),
        line("assignee", mention(assignee, ticket.assignee) if ticket.assignee else texts("card.nobody", language)),
    ]
    if card.parent is not None:
        lines.append(line("parent", await links((card.parent,))))
    if card.linked:
        rest = len(card.linked) - LISTED
        more = texts("card.more", language, count=rest) if rest > 0 else ""
        shown = await links(card.linked[:LISTED])
        lines.append(rich(texts, "card.linked", language, count=len(card.linked), value=shown, more=more))
    lines += [Text(one) for one in sla_lines(card, language)]
    lines.append(line("customer", card.customer_name or unnamed(ticket.channel, ticket.address, language)))
    lines.append(line("channel", channel_name(ticket.channel, language)))
    if card.organization is not None:
        lines.append(line("organization", card.organization))
    if card.contract_level:
        lines.append(line("level", card.contract_level))
    if ticket.rating is not None:
        lines.append(line("rating", ticket.rating))
    if card.earlier:
        lines.append(
            rich(texts, "card.earlier", language, count=len(card.earlier), value=await links(card.earlier[:LISTED]))
        )
    description = ticket.description
    if len(description) > DESCRIPTION_LIMIT:
        description = description[:DESCRIPTION_LIMIT].rstrip() + "…"
    lines += [line("subject", ticket.subject), line("description", description)]
    if card.attachment_names:
        lines.append(line("attachments", ", ".join(card.attachment_names)))
    return Card(joined(lines, "\n"), card_buttons(ticket, language))


def card_buttons(ticket: TicketView, language: str) -> InlineKeyboardMarkup:
    """The actions the ticket's status allows; no "Take" once someone has it."""
    actions = [a for a in BUTTONS[ticket.status] if a != "take" or not ticket.assignee]
    if ticket.assignee is None and "take" not in actions and ticket.status not in (S.SOLVED, S.CLOSED):
        actions.insert(0, "take")
    keys = [
        InlineKeyboardButton(text=texts(f"button.{a}", language), callback_data=button(a, ticket.number))
        for a in actions
    ]
    return InlineKeyboardMarkup(inline_keyboard=[keys[i : i + 2] for i in range(0, len(keys), 2)])


def unnamed(channel: str, address: str, language: str) -> str:
    """How to call a customer who gave no name: a web visitor by a short code, others by their contact."""
    if channel == "webchat":
        return texts("card.web_visitor", language, code=address.removeprefix("v-")[:6])
    return address  # a phone number or an e-mail address is how agents know them


def channel_name(channel: str, language: str) -> str:
    key = f"channel.{channel}"
    return texts(key, language) if key in texts.keys() else channel  # noqa: SIM118 - a Catalog is not iterable


async def topics_of(session: AsyncSession, ticket_ids: list[int]) -> dict[int, int]:
    query = select(TelegramTopic.ticket_id, TelegramTopic.thread_id).where(col(TelegramTopic.ticket_id).in_(ticket_ids))
    return {int(t): int(thread) for t, thread in (await session.execute(query)).all()}
