"""The channel registry: adding a platform is one module and one line here."""

from __future__ import annotations

from collections.abc import Callable

from bot.plugin import telegram_plugin
from channels.base import ChannelPlugin
from channels.whatsapp.plugin import whatsapp_plugin
from core.services import Services
from switchboard.contracts_plugin import contracts_plugin
from webchat.plugin import webchat_plugin

PluginFactory = Callable[[Services], ChannelPlugin | None]


def factories() -> list[PluginFactory]:
    """Each factory returns None when its channel's settings are absent: that channel is off."""
    return [telegram_plugin, whatsapp_plugin, webchat_plugin, contracts_plugin]
