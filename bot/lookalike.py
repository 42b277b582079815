"""Look-alike incident reports in the agents' General topic: one suggestion, edited as reports arrive,
and its button that makes the first report the mass incident (core/lookalike.py)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.agent_side import action_key, agent_of, in_agent_group
from bot.desk_events import DeskEvent, Renderer
from bot.desk_texts import desk_texts
from bot.links import ticket_link, topic_urls
from bot.repost import edit_or_post
from bot.texts import texts
from core import lookalike
from core.desk import TicketError, TicketNotFound
from platforms.telegram.context import BotContext

PREFIX = "alike:"


async def suggestion(event: DeskEvent) -> list[int]:
    """The suggestion's message; a mass outage's hundreds of reports are counted, a few are listed
    (a Telegram message holds 4,096 characters)."""
    meta, language = event.message.meta, event.ctx.language
    numbers: list[int] = meta["numbers"][: lookalike.SHOWN]
    count: int = meta.get("count", len(meta["numbers"]))
    async with event.ctx.sessions() as session:
        urls = await topic_urls(session, numbers)
    text = desk_texts(
        "lookalike.suggestion",
        language,
        count=count,
        minutes=meta["minutes"],
        numbers=_listed([ticket_link(n, urls) for n in numbers], count, language, " "),
    )
    markup = None
    if accepted := meta.get("accepted"):
        linked_numbers: list[int] = meta.get("linked", [])
        linked = _listed([f"#{n}" for n in linked_numbers[: lookalike.SHOWN]], len(linked_numbers), language, ", ")
        text += "\n" + desk_texts(
            "lookalike.accepted", language, agent=accepted, number=numbers[0], linked=linked or "—"
        )
    else:
        label = desk_texts("lookalike.button", language, number=numbers[0])
        button = InlineKeyboardButton(text=label, callback_data=f"{PREFIX}{meta['group']}")
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    return await edit_or_post(event.ctx, event.message.address, event.chat_id, text, markup=markup, parse_mode="HTML")


def _listed(shown: list[str], count: int, language: str, separator: str) -> str:
    more = count - len(shown)
    return separator.join(shown) + (" " + desk_texts("lookalike.more", language, count=more) if more > 0 else "")


def renderers() -> dict[str, Renderer]:
    return {lookalike.EVENT: suggestion}


def router() -> Router:
    buttons = Router(name="lookalike-buttons")
    buttons.callback_query.filter(in_agent_group, F.data.startswith(PREFIX))
    buttons.callback_query.register(accept_pressed)
    return buttons


async def accept_pressed(query: CallbackQuery, ctx: BotContext) -> None:
    group = (query.data or "").removeprefix(PREFIX)
    if not group.isdigit():
        await query.answer()
        return
    agent = agent_of(query.from_user)
    try:
        async with ctx.sessions() as session:
            first = await lookalike.first_number(session, int(group))
        await ctx.desk.on_ticket(first, lambda s, t: lookalike.accept(s, int(group), t, agent), key=action_key(query))
    except (TicketError, TicketNotFound) as error:
        await query.answer(texts("failed", ctx.language, reason=str(error)), show_alert=True)
        return
    await query.answer(texts("done", ctx.language))
