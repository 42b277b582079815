"""The channel registry: adding a platform is its package and one line here (its settings class and factory)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic_settings import BaseSettings

from channels.base import ChannelPlugin
from channels.webchat.plugin import webchat_plugin
from channels.webchat.settings import WebchatSettings
from channels.whatsapp.plugin import whatsapp_plugin
from channels.whatsapp.settings import WhatsAppSettings
from core.services import Services
from platforms.telegram.settings import TelegramSettings
from switchboard.contracts_plugin import contracts_plugin
from switchboard.telegram import telegram_plugin

S = TypeVar("S", bound=BaseSettings)


class NoSettings(BaseSettings):
    """For a plugin that needs nothing beyond the core's settings."""


@dataclass(frozen=True)
class Registration(Generic[S]):
    settings: type[S]
    # Returns None when its settings are absent: that channel is off.
    factory: Callable[[Services, S], ChannelPlugin | None]


def registry() -> list[Registration[Any]]:
    return [
        Registration(TelegramSettings, telegram_plugin),
        Registration(WhatsAppSettings, whatsapp_plugin),
        Registration(WebchatSettings, webchat_plugin),
        Registration(NoSettings, lambda services, _: contracts_plugin(services)),
    ]
