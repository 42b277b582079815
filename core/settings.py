from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Language = Literal["ru", "en"]
BaseUrl = Annotated[str, AfterValidator(lambda value: value.rstrip("/"))]
"""A URL that paths are appended to: given with or without its trailing slash."""

OptionalId = Annotated[int | None, BeforeValidator(lambda value: None if value == "" else value)]
"""A Telegram chat id that may be left out: `NAME=` (as .env.example has it) means none."""


class Settings(BaseSettings):
    """The core's settings; each channel has its own class with its env prefix. `.env.example` documents all."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Path("./data")
    database_url: str = ""
    redis_url: str = ""
    redis_prefix: str = "switchboard:"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: BaseUrl = ""
    default_language: Language = "ru"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    # true: phone numbers, e-mails and addresses appear in logs as they are (debugging only).
    log_personal_data: bool = False

    ticket_number_start: int = Field(default=1001, ge=1)
    max_file_size: int = Field(default=10 * 1024 * 1024, ge=1)
    outbox_retry_base: float = Field(default=2.0, gt=0)
    outbox_retry_max_delay: float = Field(default=300.0, gt=0)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_concurrency: int = Field(default=16, ge=1)
    outbox_poll_interval: float = Field(default=1.0, gt=0)
    # Leases are renewed every third of their length while the worker lives, so a killed process's
    # rows come back this many seconds after the kill (tests/ops/test_crash.py): 15 s set the whole
    # drain after a restart; 6 s leaves a live worker 4 s of slack for a late renewal.
    outbox_lease: float = Field(default=6.0, gt=0)
    # The inbound inbox (core/inbox.py): an event failing this often is parked for the agents.
    inbox_max_attempts: int = Field(default=5, ge=1)
    inbox_retry_base: float = Field(default=1.0, gt=0)
    inbox_lease: float = Field(default=6.0, gt=0)
    # Conversations handled side by side: their messages meet in the express lane's shared
    # transactions, so more in flight means fewer commits (bench.inbound, SQLite: 8 -> 457/s,
    # 32 -> 1,215/s, 64 -> 1,609/s on a loaded machine).
    inbox_concurrency: int = Field(default=64, ge=1)
    # Of those, how many take the full path (a new request, a dialog...) at once, each holding a pooled
    # connection through its transaction: more would wait for the pool, or open and close connections
    # past it (bench.email_inbound, PostgreSQL: 16 -> 34-35 mails/s, 64 -> 28-29). Too few leave the
    # round trips unoverlapped (bench.webhook_ack, one round each, WhatsApp's new customers drained in
    # 73 s with 8, 40 s with 16, 33 s with 32; Telegram's 35, 30, 36 s).
    full_path_concurrency: int = Field(default=16, ge=1)
    require_contract: bool = False
    auto_close_days: int = Field(default=3, ge=1)
    # A customer's message within this many days of a close reopens the request; later, a new linked one.
    reopen_window_days: int = Field(default=7, ge=0)
    timers_poll_interval: float = Field(default=15.0, gt=0)
    # Mass-incident detection (core/lookalike.py); LOOKALIKE_MIN_REPORTS=0 turns it off.
    lookalike_window_minutes: float = Field(default=10.0, gt=0)
    lookalike_min_reports: int = Field(default=3, ge=0)
    lookalike_similarity: float = Field(default=28.0, gt=0, le=100)
    # The daily digest in the agents' General topic at DIGEST_TIME (HH:MM in DIGEST_TIMEZONE); empty: off.
    digest_time: str = ""
    digest_timezone: str = "UTC"

    # The public Telegram channel (the bot an admin there) where agents publish feature requests with
    # /publish; None: publishing is off.
    suggestions_channel_id: OptionalId = None

    @field_validator("digest_time")
    @classmethod
    def _check_digest_time(cls, value: str) -> str:
        if value.strip():
            time.fromisoformat(value.strip())  # "09:00"; anything else fails at start
        return value.strip()

    @field_validator("digest_timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        ZoneInfo(value)  # an unknown zone fails at start, not at 09:00
        return value

    @field_validator("default_language", mode="before")
    @classmethod
    def _lower_language(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'switchboard.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` instead."""
    return Settings()
