"""Agents' commands in a ticket's topic. Another command module registers its router next to this one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agent_side import act_once, agent_of, command_ticket, in_agent_group
from bot.texts import texts
from core import agents
from core.agents import Agent
from core.desk import TicketNotFound
from core.models import Ticket, TicketStatus, TicketType
from core.tickets import TicketError
from platforms.telegram.context import BotContext

Action = Callable[[AsyncSession, Ticket], Awaitable[object]]
AGENT_COMMANDS = ("ask", "solve", "close", "reopen", "note", "take", "type")
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


def build_action(name: str, argument: str, agent: Agent) -> Action | str:
    """The core action a command stands for, or the usage text key when its argument is missing."""
    if name in ("ask", "solve", "note") and not argument:
        return f"usage.{name}"
    if name == "ask":
        return lambda s, t: agents.ask(s, t, agent, argument)
    if name == "solve":
        return lambda s, t: agents.set_status(s, t, agent, TicketStatus.SOLVED, argument)
    if name == "close":
        return lambda s, t: agents.set_status(s, t, agent, TicketStatus.CLOSED, argument or None)
    if name == "reopen":
        return lambda s, t: agents.set_status(s, t, agent, TicketStatus.IN_PROGRESS, argument or None)
    if name == "note":
        return lambda s, t: agents.note(s, t, agent, argument)
    if name == "take":
        return lambda s, t: agents.take(s, t, agent)
    ticket_type = TYPES.get(argument.casefold())
    if ticket_type is None:
        return "usage.type"
    return lambda s, t: agents.set_type(s, t, agent, ticket_type)


async def agent_command(message: Message, command: CommandObject, ctx: BotContext) -> None:
    number = await command_ticket(ctx, message)
    if number is None or message.from_user is None:
        return
    action = build_action(command.command, (command.args or "").strip(), agent_of(message.from_user))
    if isinstance(action, str):
        await message.reply(texts(action, ctx.language))
        return
    try:
        await act_once(ctx, number, f"{message.chat.id}:{message.message_id}", action)
    except (TicketError, TicketNotFound) as error:
        await message.reply(texts("failed", ctx.language, reason=str(error)))
