"""The app's settings: the core's and each registered channel's own class (its env prefix), composed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic_settings import BaseSettings

from core.settings import Settings, get_settings
from switchboard.plugins import registry

S = TypeVar("S", bound=BaseSettings)


@dataclass(frozen=True)
class AppSettings:
    core: Settings
    channels: tuple[BaseSettings, ...] = ()

    def channel(self, kind: type[S]) -> S:
        """The given settings of that class; absent ones are the class's defaults, which leave a channel off."""
        for given in self.channels:
            if isinstance(given, kind):
                return given
        return kind(_env_file=None)

    @property
    def secrets(self) -> list[str]:
        """Every channel's tokens, secrets and passwords (fields so named), for the logs to mask."""
        return [
            str(value)
            for given in self.channels
            for name in type(given).model_fields
            if name.endswith(("token", "secret", "password")) and (value := getattr(given, name))
        ]

    @classmethod
    def load(cls, core: Settings | None = None) -> AppSettings:
        """Every registered channel's settings from the environment and `.env`, beside the core's."""
        return cls(core or get_settings(), tuple(entry.settings() for entry in registry()))
