"""The e-mail channel's settings (env prefix `EMAIL_`): the support mailbox over IMAP, mail out over SMTP."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# "tls": TLS from the first byte (IMAPS 993, SMTPS 465); "starttls": plain, then upgraded (143, 587);
# "none": plain text, only for a server on the same host or a trusted network.
Security = Literal["tls", "starttls", "none"]


class EmailSettings(BaseSettings):
    """Off (`enabled` False) until the IMAP host, the SMTP host and the support address are set."""

    model_config = SettingsConfigDict(env_prefix="EMAIL_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    imap_host: str = ""
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_security: Security = "tls"
    imap_user: str = ""
    # An app password is just a password here (providers with 2FA issue one for IMAP/SMTP).
    imap_password: str = Field(default="", repr=False)
    imap_folder: str = "INBOX"
    # Seconds between checks when the server has no IDLE (or IDLE fails).
    imap_poll_interval: float = Field(default=30.0, gt=0)

    smtp_host: str = ""
    smtp_port: int = Field(default=465, ge=1, le=65535)
    smtp_security: Security = "tls"
    # Empty: send without logging in (a relay that trusts this host).
    smtp_user: str = ""
    smtp_password: str = Field(default="", repr=False)

    address: str = ""
    display_name: str = "Support"
    max_attachment_size: int = Field(default=10 * 1024 * 1024, ge=1)

    @property
    def enabled(self) -> bool:
        return bool(self.imap_host and self.smtp_host and self.address)
