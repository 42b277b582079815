"""How agent commands answer: a short reply or a reaction, and people's words for a refusal."""

from __future__ import annotations

import asyncio

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import Message, ReactionTypeEmoji

from bot.texts import texts
from core.delivery import RetryLater
from core.desk import AlreadyAssigned, CommentRequired, InvalidTransition, NotAssigned, TicketError
from core.views import TicketStatus
from platforms.telegram.context import BotContext
from platforms.telegram.errors import is_thread_closed

DONE = "👍"
NOT_DONE = "🤷"  # the answer to a refused command in a closed topic, where the bot cannot post


async def reply(ctx: BotContext, message: Message, text: str) -> None:
    """Answer in the message's topic, waiting for the group's budget rather than dropping the answer."""
    for _ in range(30):
        try:
            await ctx.sender.slot(message.chat.id, urgent=True)  # an agent is waiting for it
            break
        except RetryLater as later:
            await asyncio.sleep(later.retry_after or 1.0)
    try:
        await message.reply(text)
    except TelegramBadRequest as error:
        if not is_thread_closed(error):
            raise
        await react(ctx, message, NOT_DONE)


async def react(ctx: BotContext, message: Message, emoji: str = DONE) -> None:
    """A reaction on the agent's own message: done, without another message in the topic."""
    try:
        await ctx.bot.set_message_reaction(
            message.chat.id, message.message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
        )
    except TelegramAPIError:
        if emoji == DONE:
            await reply(ctx, message, texts("done", ctx.language))  # reactions off in this group


def refusal(number: int, error: TicketError, language: str) -> str:
    """Why an action was not done, in the agents' words ("#1042 is already in progress")."""
    if isinstance(error, InvalidTransition):
        state = texts(f"state.{error.current.value}", language)
        if error.current is error.wanted:
            return texts("transition.same", language, number=number, state=state)
        if error.current is TicketStatus.CLOSED:
            return texts("transition.closed", language, number=number)
        wanted = texts(f"agent_status.{error.wanted.value}", language)
        return texts("transition.other", language, number=number, state=state, wanted=wanted)
    if isinstance(error, CommentRequired):
        return texts("usage.solve", language)
    if isinstance(error, AlreadyAssigned):
        return texts("already_yours", language, number=number)
    if isinstance(error, NotAssigned):
        return texts("not_assigned", language, number=number)
    return texts("failed", language, reason=str(error))
