"""Loading calendars, levels, organizations and contracts from one TOML or JSON file."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core import contracts
from core.contracts import ContractError

EXAMPLE = """\
[calendars.office]
timezone = "Europe/Moscow"
days = "mon-fri"
hours = "09:00-18:00"
holidays = ["2026-12-31"]

# Targets count business time of the level's calendar: "30m", "4h", or "2d" = two business days
# (2 x 9 h on the office calendar above). A bare number is minutes.
[levels.standard]
calendar = "office"
default = true
targets.incident = { first_response = "2h", resolution = "2d" }
targets."*" = { first_response = "1d", resolution = "5d" }

[organizations.Acme]
access_code = "ACME-2026"

[[contracts]]
organization = "Acme"
level = "standard"
starts = 2026-01-01
ends = 2026-12-31
"""


def read(path: Path) -> dict[str, Any]:
    """The file's content; TOML unless the name ends in .json."""
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, ValueError) as error:
        raise ContractError(f"{path}: {error}") from None


def _day(value: Any, where: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ContractError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


async def load(session: AsyncSession, data: dict[str, Any], notes: list[str] | None = None) -> dict[str, int]:
    """Create or update everything in `data` in the caller's transaction; counts per section.

    Changed targets of existing levels are described in `notes`, for the person loading the file.
    """
    unknown = set(data) - {"calendars", "levels", "organizations", "contracts"}
    if unknown:
        raise ContractError(f"unknown sections: {', '.join(sorted(unknown))}")
    for name, item in data.get("calendars", {}).items():
        await contracts.save_calendar(
            session,
            name,
            timezone=item.get("timezone", "UTC"),
            days=item.get("days", "mon-fri"),
            hours=item.get("hours", "09:00-18:00"),
            holidays=[str(day) for day in item.get("holidays", [])],
        )
    for name, item in data.get("levels", {}).items():
        if "calendar" not in item:
            raise ContractError(f"level {name}: a calendar is required")
        await contracts.save_level(
            session,
            name,
            calendar=item["calendar"],
            targets=item.get("targets", {}),
            warn_percent=int(item.get("warn_percent", 80)),
            default=bool(item.get("default", False)),
            notes=notes,
        )
    for name, item in data.get("organizations", {}).items():
        await contracts.save_organization(session, name, access_code=item.get("access_code"))
    for number, item in enumerate(data.get("contracts", []), 1):
        where = f"contract {number}"
        starts = _day(item.get("starts"), where)
        if starts is None or "organization" not in item or "level" not in item:
            raise ContractError(f"{where}: organization, level and starts are required")
        await contracts.save_contract(
            session, item["organization"], level=item["level"], starts_on=starts, ends_on=_day(item.get("ends"), where)
        )
    return {section: len(data.get(section, {})) for section in ("calendars", "levels", "organizations", "contracts")}
