from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.services import Services
from core.settings import Settings
from switchboard.app import build_app
from switchboard.plugins import registry
from switchboard.settings import AppSettings
from tests.support.databases import BACKENDS, drop_all, fresh_database

# Real Dovecot + Postfix for the e-mail tests (session-wide; skipped where they are not installed).
from tests.support.mailservers import mail_server_processes, mail_servers  # noqa: F401
from tests.support.servers import serve


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session", autouse=True)
def _test_databases() -> Iterator[None]:
    yield
    drop_all()


@pytest.fixture
async def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A database of the test's own at the current schema; `@pytest.mark.empty_database` for an empty one."""
    migrated = request.node.get_closest_marker("empty_database") is None
    async with fresh_database(backend, tmp_path, migrated=migrated) as url:
        yield url


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> Callable[..., AppSettings]:
    """Settings for a test: its own database and data directory, fast retries, no .env file.

    A key with a channel's env prefix (`telegram_bot_token`) goes to that channel's settings class."""
    prefixes = {
        str(prefix).lower(): entry.settings
        for entry in registry()
        if (prefix := entry.settings.model_config.get("env_prefix"))
    }

    def _make(**overrides: Any) -> AppSettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "data_dir": tmp_path / "data",
            "default_language": "en",
            "outbox_retry_base": 0.05,
            "outbox_retry_max_delay": 1.0,
            "outbox_poll_interval": 0.05,
        }
        channels: dict[type[Any], dict[str, Any]] = {}
        for key, value in overrides.items():
            prefix = next((p for p in prefixes if key.startswith(p)), None)
            if prefix is None:
                values[key] = value
            else:
                channels.setdefault(prefixes[prefix], {})[key.removeprefix(prefix)] = value
        return AppSettings(
            Settings(_env_file=None, **values),  # type: ignore[call-arg]
            tuple(kind(_env_file=None, **given) for kind, given in channels.items()),
        )

    return _make


@pytest.fixture
def settings(make_settings: Callable[..., AppSettings]) -> Settings:
    return make_settings().core


@pytest.fixture
async def migrated(settings: Settings) -> Settings:
    """The test's settings, its database migrated as `switchboard migrate` would (a copy of the template)."""
    return settings


@pytest.fixture
async def app_url(migrated: Settings) -> AsyncIterator[str]:
    """The real app (`build_app`) served over HTTP on 127.0.0.1 with the test's settings."""
    async with serve(build_app(migrated)) as url:
        yield url


@pytest.fixture
async def services(settings: Settings) -> AsyncIterator[Services]:
    built = Services.build(settings)
    try:
        yield built
    finally:
        await built.engine.dispose()
