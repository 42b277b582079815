"""Log set-up: one line per event, plain or JSON, with the request id, and never a secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

from sqlalchemy.engine import make_url

from switchboard.observability.privacy import PersonalDataFilter, hash_key, mask_text
from switchboard.settings import AppSettings

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# Extra fields that event log lines carry (`log.info(..., extra={"ticket": 1001})`).
FIELDS = ("request_id", "channel", "ticket", "ticket_id", "address", "outbox_id", "message_id", "outcome")
_REDACTED = "[redacted]"


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class _RedactingFormatter(logging.Formatter):
    """Masks every configured secret in the finished line, whatever code wrote it (URLs, errors)."""

    def __init__(self, secrets: Iterable[str], fmt: str | None = None, *, personal_data: bool = True) -> None:
        super().__init__(fmt)
        self.personal_data = personal_data
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def redact(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, _REDACTED)
        # Exceptions and tracebacks are only text by now: numbers and e-mails in them are masked here.
        return line if self.personal_data else mask_text(line)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.render(record))

    def render(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{name}={value}" for name in FIELDS if (value := getattr(record, name, None)) is not None)
        if not fields:
            return line
        head, newline, rest = line.partition("\n")
        return f"{head} [{fields}]{newline}{rest}"


class _JsonFormatter(_RedactingFormatter):
    def render(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if (value := getattr(record, name, None)) is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def secrets_of(settings: AppSettings) -> list[str]:
    return [*settings.secrets, *_url_passwords(settings.core.database_url, settings.core.redis_url)]


def _url_passwords(*urls: str) -> list[str]:
    found = []
    for url in urls:
        try:
            password = make_url(url).password if url else None
        except Exception:  # not a URL we can parse: nothing to mask
            password = None
        if password:
            found.append(str(password))
    return found


def make_handler(settings: AppSettings, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing text or JSON lines (`LOG_FORMAT`) with request ids, secrets and personal data masked."""
    handler = logging.StreamHandler(stream)
    secrets = secrets_of(settings)
    personal = settings.core.log_personal_data
    if settings.core.log_format == "json":
        handler.setFormatter(_JsonFormatter(secrets, personal_data=personal))
    else:
        text = "%(asctime)s %(levelname)s %(name)s: %(message)s"
        handler.setFormatter(_RedactingFormatter(secrets, text, personal_data=personal))
    handler.addFilter(_ContextFilter())
    if not personal:
        handler.addFilter(PersonalDataFilter(hash_key(secrets)))
    return handler


def configure(settings: AppSettings) -> None:
    """Send every log line of the process to stderr through `make_handler`."""
    logging.basicConfig(level=settings.core.log_level.upper(), handlers=[make_handler(settings)], force=True)
    # httpx logs every request URL at INFO; Bot API URLs carry the bot token.
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
