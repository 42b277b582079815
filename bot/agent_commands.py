"""Agents' commands in a ticket's topic. Another command module registers its router next to this one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.agent_answers import react, refusal, reply
from bot.agent_side import action_key, agent_of, command_ticket, in_agent_group
from bot.texts import texts
from core.desk import Agent, Desk, TicketError
from core.views import TicketType, type_name
from platforms.telegram.context import BotContext

Action = Callable[[], Awaitable[object]]
AGENT_COMMANDS = ("ask", "solve", "close", "reopen", "note", "type")
TYPES = {
    "incident": TicketType.INCIDENT,
    "mass": TicketType.MASS_INCIDENT,
    "consultation": TicketType.CONSULTATION,
    "feature": TicketType.FEATURE_REQUEST,
    **{kind.value: kind for kind in TicketType},
}


def router() -> Router:
    commands = Router(name="agent-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(agent_command, Command(*AGENT_COMMANDS))
    return commands


def build_action(desk: Desk, number: int, name: str, argument: str, agent: Agent, key: str) -> Action | str:
    """The desk action a command stands for, or the usage text key when its argument is missing."""
    if name in ("ask", "solve", "note") and not argument:
        return f"usage.{name}"
    if name == "ask":
        return lambda: desk.ask(number, agent, argument, key=key)
    if name == "solve":
        return lambda: desk.solve(number, agent, argument, key=key)
    if name == "close":
        return lambda: desk.close(number, agent, argument or None, key=key)
    if name == "reopen":
        return lambda: desk.reopen(number, agent, argument or None, key=key)
    if name == "note":
        return lambda: desk.note(number, agent, argument, key=key)
    ticket_type = TYPES.get(argument.casefold())
    if ticket_type is None:
        return "usage.type"
    return lambda: desk.set_type(number, agent, ticket_type, key=key)


async def agent_command(message: Message, command: CommandObject, ctx: BotContext) -> None:
    number = await command_ticket(ctx, message)
    if number is None or message.from_user is None:
        return
    argument = (command.args or "").strip()
    action = build_action(ctx.desk, number, command.command, argument, agent_of(message.from_user), action_key(message))
    if isinstance(action, str):
        await reply(ctx, message, texts(action, ctx.language))
        return
    await perform(ctx, message, number, action, command.command, argument)


async def perform(ctx: BotContext, message: Message, number: int, action: Action, name: str, argument: str) -> None:
    """Do the action (once per message: the desk keeps its key) and answer: a reaction, or why not."""
    try:
        await action()
    except TicketError as error:
        await reply(ctx, message, refusal(number, error, ctx.language))
        return
    if ctx.cards is not None:
        ctx.cards.touch(number)
    if name == "type":
        kind = type_name(TYPES[argument.casefold()], ctx.language)
        await reply(ctx, message, texts("type_set", ctx.language, number=number, type=kind))
    else:
        await react(ctx, message)
