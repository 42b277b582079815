"""The buttons under a ticket card in the agents' group."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery

from bot.agent_side import action_key, agent_of, in_agent_group
from bot.texts import texts
from core.desk import TicketError
from platforms.telegram.context import BotContext

PREFIX = "desk:"


def button(action: str, number: int) -> str:
    return f"{PREFIX}{action}:{number}"


def router() -> Router:
    buttons = Router(name="agent-buttons")
    buttons.callback_query.filter(in_agent_group, F.data.startswith(PREFIX))
    buttons.callback_query.register(pressed)
    return buttons


async def pressed(query: CallbackQuery, ctx: BotContext) -> None:
    action, _, number = (query.data or "").removeprefix(PREFIX).partition(":")
    if not number.isdigit():
        await query.answer()
        return
    if action in ("ask", "solve"):
        await query.answer(texts(f"press.{action}", ctx.language), show_alert=True)
        return
    agent, key = agent_of(query.from_user), action_key(query)
    try:
        if action == "take":
            await ctx.desk.take(int(number), agent, key=key)
        elif action == "close":
            await ctx.desk.close(int(number), agent, key=key)
    except TicketError as error:
        await query.answer(texts("failed", ctx.language, reason=str(error)), show_alert=True)
        return
    await query.answer(texts("done", ctx.language))
