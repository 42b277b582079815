from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.migrate import upgrade
from core.services import Services
from core.settings import Settings
from switchboard.settings import AppSettings
from tests.support.cli import run_cli
from tests.support.customers import CoreCustomer

FILE = """
[calendars.office]
timezone = "Europe/Moscow"
days = "mon-fri"
hours = "09:00-18:00"

[levels.basic]
calendar = "office"
default = true
targets."*" = { first_response = "8h", resolution = "5d" }

[organizations.Acme]
access_code = "ACME-1"
"""


async def switchboard(settings: Settings, *args: str, language: str = "en") -> tuple[int, str, str]:
    """The `switchboard` command line against the test's database, in the given DEFAULT_LANGUAGE."""
    result = await run_cli(settings.model_copy(update={"default_language": language}), *args)
    return result.code, result.stdout, result.stderr


async def test_levels_and_contracts_from_a_file_and_the_command_line(
    migrated: Settings, make_settings: Callable[..., AppSettings], tmp_path: Path
) -> None:
    (tmp_path / "contracts.toml").write_text(FILE)
    code, out, _ = await switchboard(migrated, "contracts", "load", str(tmp_path / "contracts.toml"))
    assert (code, out.split(": ", 1)[1].strip()) == (0, "1 calendar, 1 level, 1 organization, 0 contracts")
    code, out, _ = await switchboard(migrated, "contracts", "load", str(tmp_path / "contracts.toml"), language="ru")
    assert (code, out.split(": ", 1)[1].strip()) == (0, "1 календарь, 1 уровень, 1 организация, 0 договоров")
    code, out, _ = await switchboard(
        migrated, "contracts", "calendar", "always", "--days", "24/7", "--hours", "00:00-24:00"
    )
    assert code == 0 and out.startswith("calendar always: mon,tue,wed,thu,fri,sat,sun 00:00-24:00")
    code, out, _ = await switchboard(
        migrated,
        "contracts",
        "level",
        "premium",
        "--calendar",
        "always",
        "--target",
        "incident=30m/4h",
        "--target",
        "*=1h/1d",
    )
    assert (code, out.strip()) == (0, "level premium: incident 30m/240m; * 60m/1440m")
    code, out, _ = await switchboard(migrated, "contracts", "add", "Acme", "--level", "premium", "--from", "2026-01-01")
    assert code == 0 and "Acme, premium, 2026-01-01 - open-ended" in out

    code, out, _ = await switchboard(migrated, "orgs", "list")
    assert (code, out.strip()) == (0, "Acme: code ACME-1; premium until open-ended")
    code, _, err = await switchboard(migrated, "contracts", "add", "Nobody", "--level", "premium")
    assert (code, err.strip()) == (2, "switchboard: no organization named 'Nobody'")

    services = Services.build(make_settings(require_contract=True).core)
    try:
        alice = CoreCustomer(services)
        await alice.say("hello")
        await alice.say("ACME-1")
        ticket = await alice.open_ticket()
    finally:
        await services.engine.dispose()
    assert ticket.level == "premium"


async def test_a_customer_is_put_in_an_organization(
    migrated: Settings, make_settings: Callable[..., AppSettings]
) -> None:
    services = Services.build(make_settings().core)
    await upgrade(services.engine)
    try:
        await CoreCustomer(services, "42", channel="telegram").say("hi")
        code, out, _ = await switchboard(migrated, "orgs", "add", "Beta", "--code", "B-2")
        assert (code, out.strip()) == (0, "organization Beta: access code B-2")
        code, out, _ = await switchboard(migrated, "orgs", "member", "Beta", "telegram", "42")
        assert (code, out.strip()) == (0, "telegram:42 is now in Beta")
        code, _, err = await switchboard(migrated, "orgs", "member", "Beta", "telegram", "43")
        assert code == 2 and "no customer 43 on telegram has written yet" in err
    finally:
        await services.engine.dispose()
