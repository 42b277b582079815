"""One dispatcher for the one bot: each side (the customers' chats, the agents' desk) brings its routers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aiogram import Dispatcher, Router

from core.delivery import ChannelAdapter
from platforms.telegram.context import BotContext


@dataclass
class TelegramSide:
    """What one side brings to the shared bot: its output adapters, its routers, the commands it answers."""

    adapters: dict[str, ChannelAdapter] = field(default_factory=dict)
    routers: list[Router] = field(default_factory=list)
    commands: tuple[str, ...] = ()


def build_dispatcher(ctx: BotContext, sides: Sequence[TelegramSide]) -> Dispatcher:
    """Routers in the order given: each side filters on its own chats, so the sides never compete."""
    dispatcher = Dispatcher(ctx=ctx)
    dispatcher.include_routers(*(router for side in sides for router in side.routers))
    return dispatcher
