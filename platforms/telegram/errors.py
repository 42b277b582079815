"""Telegram's answers translated into the core's delivery outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from core.delivery import PermanentFailure, RetryLater

THREAD_GONE = ("message thread not found", "TOPIC_ID_INVALID", "TOPIC_DELETED")
THREAD_CLOSED = ("TOPIC_CLOSED",)


def is_thread_gone(error: TelegramBadRequest) -> bool:
    return any(marker in error.message for marker in THREAD_GONE)


def is_thread_closed(error: TelegramBadRequest) -> bool:
    return any(marker in error.message for marker in THREAD_CLOSED)


@contextmanager
def delivery_outcomes() -> Iterator[None]:
    """Raise RetryLater for what may pass (429, 5xx, network) and PermanentFailure for what will not."""
    try:
        yield
    except TelegramRetryAfter as error:
        raise RetryLater(error.message, float(error.retry_after), rate_limited=True) from error
    except (TelegramServerError, TelegramNetworkError, TelegramNotFound, TelegramUnauthorizedError) as error:
        # 401/404 mean a wrong token or API URL: an operator can fix that, so keep the message.
        raise RetryLater(f"{type(error).__name__}: {error.message}") from error
    except (TelegramForbiddenError, TelegramBadRequest) as error:
        raise PermanentFailure(error.message) from error
