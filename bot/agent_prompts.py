"""An agent's reply to a card button's prompt ("write the question as a reply") performs that action."""

from __future__ import annotations

from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message

from bot.agent_commands import build_action, perform
from bot.agent_side import action_key, agent_of, in_agent_group, ticket_number
from bot.texts import texts
from platforms.telegram.context import BotContext

PROMPTS = ("ask", "solve")


def router() -> Router:
    prompts = Router(name="agent-prompts")
    prompts.message.filter(in_agent_group)
    prompts.message.register(prompt_reply)
    return prompts


def prompted_action(message: Message, number: int, language: str) -> str | None:
    """The action whose prompt this message answers; None when it answers no prompt of ours."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or not replied.from_user.is_bot:
        return None
    return next((a for a in PROMPTS if replied.text == texts(f"prompt.{a}", language, number=number)), None)


async def prompt_reply(message: Message, ctx: BotContext) -> None:
    text = (message.text or "").strip()
    if message.from_user is None or not text or text.startswith("/") or message.reply_to_message is None:
        raise SkipHandler()
    number = await ticket_number(ctx, message)
    name = prompted_action(message, number, ctx.language) if number is not None else None
    if number is None or name is None:
        raise SkipHandler()  # an ordinary reply: the relay sends it to the customer
    action = build_action(ctx.desk, number, name, text, agent_of(message.from_user), action_key(message))
    assert not isinstance(action, str)  # the text is there
    await perform(ctx, message, number, action, name, text)
