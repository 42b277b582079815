"""The bot's routers, assembled once per bot. A new agent command module is one more line here."""

from __future__ import annotations

from aiogram import Dispatcher

from bot import agent_buttons, agent_commands, agent_relay, customers, mass_commands
from bot.context import BotContext


def build_dispatcher(ctx: BotContext) -> Dispatcher:
    dispatcher = Dispatcher(ctx=ctx)
    dispatcher.include_routers(
        agent_commands.router(),
        mass_commands.router(),
        agent_buttons.router(),
        # Command modules go above the relay: it takes every other message in a ticket's topic.
        agent_relay.router(),
        customers.router(),
    )
    return dispatcher
