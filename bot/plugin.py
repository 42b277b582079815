"""The agents' desk on the shared bot: the forum group's routers and the AGENT_DESK adapter."""

from __future__ import annotations

from collections.abc import Iterable

from bot import (
    agent_buttons,
    agent_commands,
    agent_prompts,
    agent_relay,
    assign_commands,
    canned_commands,
    help_commands,
    lookalike,
    mass_commands,
    open_command,
    phone_commands,
    queue_commands,
    search_commands,
    suggestions,
)
from bot.card_keeper import CardKeeper
from bot.contract_events import renderers as contract_renderers
from bot.customer_events import general_renderers
from bot.customer_events import renderers as customer_renderers
from bot.desk_adapter import AgentDeskAdapter
from bot.desk_events import general_renderers as inbound_renderers
from bot.desk_events import renderers
from bot.lookalike import renderers as lookalike_renderers
from bot.queue_commands import general_renderers as digest_renderers
from bot.roster import remember_agents
from bot.suggestions import general_renderers as suggestion_renderers
from core.messages import AGENT_DESK
from platforms.telegram.context import BotContext
from platforms.telegram.dispatcher import TelegramSide


def desk_side(ctx: BotContext, *, bot_channels: Iterable[str] = ()) -> TelegramSide:
    """The desk's part of the bot; its adapter only with TELEGRAM_AGENT_CHAT_ID.

    `bot_channels`: the customer channels served by this same bot, whose messages the desk copies."""
    first = help_commands.router()
    first.message.outer_middleware(remember_agents)  # the first router sees every message: agents are noted
    side = TelegramSide(
        routers=[
            first,
            agent_commands.router(),
            assign_commands.router(),
            mass_commands.router(),
            open_command.router(),
            search_commands.router(),
            canned_commands.router(),
            queue_commands.router(),
            phone_commands.router(),
            suggestions.router(),
            agent_buttons.router(),
            agent_prompts.router(),
            lookalike.router(),
            # Command modules go above the relay: it takes every other message in a ticket's topic.
            agent_relay.router(),
        ],
        commands=help_commands.DESK_COMMANDS,
    )
    if ctx.agent_chat_id is not None:
        ctx.cards = CardKeeper(ctx)
        table = {**renderers(), **contract_renderers(), **customer_renderers(), **lookalike_renderers()}
        general = {**general_renderers(), **digest_renderers(), **suggestion_renderers(), **inbound_renderers()}
        side.adapters[AGENT_DESK] = AgentDeskAdapter(ctx, table, frozenset(bot_channels), general)
    return side
