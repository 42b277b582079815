"""The buttons under a ticket card in the agents' group."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, ForceReply, Message

from bot.agent_answers import refusal
from bot.agent_side import action_key, agent_of, in_agent_group
from bot.texts import texts
from bot.topics import Topics
from core import views
from core.desk import TicketError
from platforms.telegram.context import BotContext

PREFIX = "desk:"
PROMPTED = ("ask", "solve")  # need the agent's words: a reply prompt, not a pop-up


def button(action: str, number: int) -> str:
    return f"{PREFIX}{action}:{number}"


def router() -> Router:
    buttons = Router(name="agent-buttons")
    buttons.callback_query.filter(in_agent_group, F.data.startswith(PREFIX))
    buttons.callback_query.register(pressed)
    return buttons


async def pressed(query: CallbackQuery, ctx: BotContext) -> None:
    action, _, number_text = (query.data or "").removeprefix(PREFIX).partition(":")
    if not number_text.isdigit():
        await query.answer()
        return
    number = int(number_text)
    if action in PROMPTED and isinstance(query.message, Message):
        await query.answer()
        await prompt(ctx, query.message, action, number)
        return
    agent, key = agent_of(query.from_user), action_key(query)
    try:
        if action == "take":
            await ctx.desk.assign(number, agent, agent.name, key=key)
        elif action == "close":
            await ctx.desk.close(number, agent, key=key)
        elif action == "reopen":
            await ctx.desk.reopen(number, agent, key=key)
    except TicketError as error:
        await query.answer(refusal(number, error, ctx.language), show_alert=True)
        return
    if ctx.cards is not None:
        ctx.cards.touch(number)
    await query.answer(texts("took", ctx.language, number=number, name=agent.name) if action == "take" else "👍")


async def prompt(ctx: BotContext, card: Message, action: str, number: int) -> None:
    """Ask for the text as a reply: the agent's reply to this message performs the action (agent_prompts)."""
    await ctx.sender.slot(card.chat.id, urgent=True)
    sent = await ctx.bot.send_message(
        card.chat.id,
        texts(f"prompt.{action}", ctx.language, number=number),
        message_thread_id=card.message_thread_id if card.is_topic_message else None,
        reply_markup=ForceReply(force_reply=True, input_field_placeholder=texts(f"placeholder.{action}", ctx.language)),
    )
    async with ctx.sessions() as session:
        ticket = await views.ticket_by_number(session, number)
    if ticket is not None:  # the prompt stands for its ticket like any of the ticket's messages
        await Topics(ctx).remember(ticket, [sent.message_id])
