"""Agents' mass-incident commands in a ticket's topic: /mass, /link N..., /broadcast text."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.agent_side import action_key, agent_of, command_ticket, in_agent_group
from bot.contract_texts import contract_texts
from bot.texts import texts
from core.desk import TicketError
from platforms.telegram.context import BotContext


def router() -> Router:
    commands = Router(name="mass-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(mass_command, Command("mass", "link", "broadcast"))
    return commands


def ticket_numbers(argument: str) -> list[int]:
    """The ticket numbers an agent typed: "1042 1043", "#1042, №1043"."""
    parts = (part.lstrip("#№") for part in argument.replace(",", " ").split())
    return [int(part) for part in parts if part.isdigit()]


async def mass_command(message: Message, command: CommandObject, ctx: BotContext) -> None:
    number = await command_ticket(ctx, message)
    if number is None or message.from_user is None:
        return
    agent, argument, key = agent_of(message.from_user), (command.args or "").strip(), action_key(message)
    try:
        if command.command == "mass":
            await ctx.desk.mark_mass(number, agent, key=key)
        elif command.command == "link":
            if not (numbers := ticket_numbers(argument)):
                await message.reply(contract_texts("usage.link", ctx.language))
                return
            await ctx.desk.link(number, numbers, agent, key=key)
        elif not argument:
            await message.reply(contract_texts("usage.broadcast", ctx.language))
        else:
            await ctx.desk.broadcast(number, agent, argument, key=key)
    except TicketError as error:
        await message.reply(texts("failed", ctx.language, reason=str(error)))
