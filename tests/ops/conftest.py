from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis

from core.settings import Settings
from switchboard.settings import AppSettings

REDIS_URL = "redis://127.0.0.1:6379/0"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "telegram_global_per_second(n): the bot's overall send rate in the cluster")


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"these tests need Redis at {REDIS_URL}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def make_cluster_settings(make_settings: Callable[..., AppSettings], redis_url: str) -> Callable[..., Settings]:
    """Settings sharing one database and one Redis, under a prefix no other test run uses."""
    prefix = f"sbtest-{uuid.uuid4().hex[:8]}:"

    def _make(**overrides: Any) -> Settings:
        return make_settings(redis_url=redis_url, redis_prefix=prefix, **overrides).core

    return _make
