"""Telegram customers' side of the shared bot: the private-chat router and the "telegram" adapter."""

from __future__ import annotations

from collections.abc import Sequence

from channels.telegram import customers
from channels.telegram.adapter import TelegramAdapter
from channels.telegram.inbound import CHANNEL
from platforms.telegram.context import BotContext
from platforms.telegram.dispatcher import TelegramSide


def customers_side(ctx: BotContext, *, refused_commands: Sequence[str] = ()) -> TelegramSide:
    """`refused_commands` are the desk's: a customer who sends one is told they are for agents."""
    return TelegramSide(adapters={CHANNEL: TelegramAdapter(ctx)}, routers=[customers.router(refused_commands)])
