"""Agents' mass-incident commands in a ticket's topic: /mass, /link N..., /broadcast text."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.agent_side import act_once, agent_of, command_ticket, in_agent_group
from bot.contract_texts import contract_texts
from bot.texts import texts
from core import mass
from core.agents import Agent
from core.desk import TicketNotFound
from core.models import Ticket
from core.tickets import TicketError
from platforms.telegram.context import BotContext


def router() -> Router:
    commands = Router(name="mass-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(mass_command, Command("mass", "link", "broadcast"))
    return commands


def link_action(numbers: list[int], agent: Agent):  # type: ignore[no-untyped-def]
    async def _link(session: AsyncSession, parent: Ticket) -> list[int]:
        for number in numbers:
            child = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one_or_none()
            if child is None:
                raise TicketNotFound(number)
            await mass.link(session, parent, child, agent)
        return numbers

    return _link


async def mass_command(message: Message, command: CommandObject, ctx: BotContext) -> None:
    number = await command_ticket(ctx, message)
    if number is None or message.from_user is None:
        return
    agent, argument = agent_of(message.from_user), (command.args or "").strip()
    key = f"{message.chat.id}:{message.message_id}"
    try:
        if command.command == "mass":
            await act_once(ctx, number, key, lambda s, t: mass.mark(s, t, agent))
        elif command.command == "link":
            numbers = [
                int(part.lstrip("#№")) for part in argument.replace(",", " ").split() if part.lstrip("#№").isdigit()
            ]
            if not numbers:
                await message.reply(contract_texts("usage.link", ctx.language))
                return
            await act_once(ctx, number, key, link_action(numbers, agent))
        elif not argument:
            await message.reply(contract_texts("usage.broadcast", ctx.language))
        else:
            await act_once(ctx, number, key, lambda s, t: mass.broadcast(s, t, agent, argument))
    except (TicketError, TicketNotFound) as error:
        await message.reply(texts("failed", ctx.language, reason=str(error)))
