"""WEBCHAT_* settings: who may embed the widget and the secret that links visitors to known users."""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict


class WebchatSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEBCHAT_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    identity_secret: str = ""
    allowed_origins: str = ""
    # Shown when a visitor first opens the widget; empty: the default words in the widget's language.
    greeting: str = ""


def of_app(state: Any) -> WebchatSettings:
    """The web chat's settings of the running app (`app.state.settings`, composed by the app)."""
    settings: WebchatSettings = state.settings.channel(WebchatSettings)
    return settings
