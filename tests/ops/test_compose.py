"""compose.yaml and .env.example agree: `cp .env.example .env` and filling it in is enough for compose.

Docker is not available where the tests run, so `docker compose config` itself is not called; this
checks the same things it would need: every `${VAR}` compose interpolates is documented in
.env.example, and the app's data directory is the mounted volume whatever .env says.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import Settings
from platforms.telegram.settings import TelegramSettings
from switchboard.settings import AppSettings

ROOT = Path(__file__).resolve().parents[2]
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def example_keys() -> set[str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return {line.split("=", 1)[0].strip() for line in lines if "=" in line and not line.lstrip().startswith("#")}


def interpolated(value: object) -> set[str]:
    if isinstance(value, dict):
        return {name for item in value.values() for name in interpolated(item)}
    if isinstance(value, list):
        return {name for item in value for name in interpolated(item)}
    return set(VARIABLE.findall(value)) if isinstance(value, str) else set()


def test_every_variable_compose_needs_is_in_env_example() -> None:
    needed = interpolated(compose())
    assert "POSTGRES_PASSWORD" in needed
    assert needed <= example_keys(), f"missing from .env.example: {sorted(needed - example_keys())}"


def test_the_apps_data_dir_is_the_mounted_volume_whatever_env_says() -> None:
    app = compose()["services"]["app"]
    assert app["env_file"] == ".env"
    mounts = {volume.split(":")[1] for volume in app["volumes"]}
    # `environment` wins over `env_file`, so DATA_DIR=./data in .env cannot move the store off the volume.
    assert app["environment"]["DATA_DIR"] in mounts


def test_a_copy_of_env_example_is_settings_the_app_starts_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `cp .env.example .env` is the documented first step: every value in it must parse as it is
    # (SUGGESTIONS_CHANNEL_ID= and TELEGRAM_AGENT_CHAT_ID= used to fail: "" is not an integer).
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    for name in ("SUGGESTIONS_CHANNEL_ID", "TELEGRAM_AGENT_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = AppSettings.load(Settings())  # not get_settings(): that one is cached per process
    assert settings.core.suggestions_channel_id is None
    assert settings.channel(TelegramSettings).agent_chat_id is None
