"""WHATSAPP_* settings: the Cloud API number the channel answers on."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from core.settings import BaseUrl


class WhatsAppSettingsError(ValueError):
    pass


class WhatsAppSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WHATSAPP_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    access_token: str = ""
    phone_number_id: str = ""
    app_secret: str = ""
    verify_token: str = ""
    api_url: BaseUrl = "https://graph.facebook.com/v21.0"
    template_name: str = ""
    template_language: str = "ru"

    def check(self) -> None:
        """Refuse a half-configured channel: a token without the number or the app secret."""
        missing = [
            name
            for name, value in (
                ("WHATSAPP_PHONE_NUMBER_ID", self.phone_number_id),
                ("WHATSAPP_APP_SECRET", self.app_secret),
            )
            if not value
        ]
        if missing:
            raise WhatsAppSettingsError(f"WHATSAPP_ACCESS_TOKEN is set, so WhatsApp also needs {', '.join(missing)}")
