"""The agents' desk on the shared bot: the forum group's routers and the AGENT_DESK adapter."""

from __future__ import annotations

from collections.abc import Iterable

from bot import (
    agent_buttons,
    agent_commands,
    agent_relay,
    canned_commands,
    lookalike,
    mass_commands,
    phone_commands,
    queue_commands,
    search_commands,
    suggestions,
)
from bot.contract_events import renderers as contract_renderers
from bot.desk_adapter import AgentDeskAdapter
from bot.desk_events import renderers
from bot.lookalike import renderers as lookalike_renderers
from bot.queue_commands import general_renderers as digest_renderers
from bot.suggestions import general_renderers as suggestion_renderers
from core.messages import AGENT_DESK
from platforms.telegram.context import BotContext
from platforms.telegram.dispatcher import TelegramSide


def desk_side(ctx: BotContext, *, bot_channels: Iterable[str] = ()) -> TelegramSide:
    """The desk's part of the bot; its adapter only with TELEGRAM_AGENT_CHAT_ID.

    `bot_channels`: the customer channels served by this same bot, whose messages the desk copies."""
    side = TelegramSide(
        routers=[
            agent_commands.router(),
            mass_commands.router(),
            search_commands.router(),
            canned_commands.router(),
            queue_commands.router(),
            phone_commands.router(),
            suggestions.router(),
            agent_buttons.router(),
            lookalike.router(),
            # Command modules go above the relay: it takes every other message in a ticket's topic.
            agent_relay.router(),
        ],
        commands=agent_commands.AGENT_COMMANDS,
    )
    if ctx.agent_chat_id is not None:
        table = {**renderers(), **contract_renderers(), **lookalike_renderers()}
        side.adapters[AGENT_DESK] = AgentDeskAdapter(
            ctx, table, frozenset(bot_channels), {**digest_renderers(), **suggestion_renderers()}
        )
    return side
