"""The channel registry: adding a platform is its package and one line here (its settings class and factory).

Factories are named, not imported: reading the settings (every CLI command does, to mask secrets in
its logs) must not load the web and bot stacks that only `serve` needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic_settings import BaseSettings

from channels.email.settings import EmailSettings
from channels.webchat.settings import WebchatSettings
from channels.whatsapp.settings import WhatsAppSettings
from platforms.telegram.settings import TelegramSettings

if TYPE_CHECKING:
    from channels.base import ChannelPlugin
    from core.services import Services

S = TypeVar("S", bound=BaseSettings)


class NoSettings(BaseSettings):
    """For a plugin that needs nothing beyond the core's settings."""


@dataclass(frozen=True)
class Registration(Generic[S]):
    settings: type[S]
    factory_name: str  # "package.module:function"

    @property
    def factory(self) -> Callable[[Services, S], ChannelPlugin | None]:
        """`(services, settings) -> plugin`, or None when its settings are absent: that channel is off."""
        module, _, name = self.factory_name.partition(":")
        found: Callable[[Services, S], ChannelPlugin | None] = getattr(importlib.import_module(module), name)
        return found


def registry() -> list[Registration[Any]]:
    return [
        Registration(TelegramSettings, "switchboard.telegram:telegram_plugin"),
        Registration(WhatsAppSettings, "channels.whatsapp.plugin:whatsapp_plugin"),
        Registration(WebchatSettings, "channels.webchat.plugin:webchat_plugin"),
        Registration(EmailSettings, "channels.email.plugin:email_plugin"),
        Registration(NoSettings, "switchboard.contracts_plugin:contracts_plugin"),
        Registration(NoSettings, "switchboard.desk_plugin:desk_plugin"),
    ]
