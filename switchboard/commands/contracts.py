"""`switchboard contracts ...`: calendars, levels and contracts, one by one or from a file."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import contract_file, contracts
from core.contracts import ContractError
from core.db import create_engine, create_session_factory, transaction
from core.migrate import SchemaNotReady, ensure_migrated, upgrade
from core.models import Contract, Organization, ServiceLevel, SupportCalendar
from core.settings import Settings
from switchboard.commands.cli_texts import cli_texts, counted

T = TypeVar("T")


def in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the configured database (SQLite is migrated first, as by serve)."""

    async def _run() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.resolved_database_url)
        try:
            await (upgrade(engine) if settings.is_sqlite else ensure_migrated(engine))
            async with transaction(create_session_factory(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(_run())


def report(settings: Settings, work: Callable[[AsyncSession], Awaitable[list[str]]]) -> int:
    """Run `work`, print its lines; errors become one line on stderr and exit status 2."""
    try:
        lines = in_transaction(settings, work)
    except (ContractError, SchemaNotReady) as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def parse_target(text: str) -> tuple[str, dict[str, str]]:
    """ "incident=2h/16h" -> ("incident", {"first_response": "2h", "resolution": "16h"})."""
    ticket_type, _, times = text.partition("=")
    first, _, resolution = times.partition("/")
    if not ticket_type or not first or not resolution:
        raise argparse.ArgumentTypeError(f"{text!r}: use TYPE=FIRST/RESOLUTION, e.g. incident=2h/16h")
    return ticket_type, {"first_response": first, "resolution": resolution}


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("contracts", help="service levels, calendars and contracts")
    sub = parser.add_subparsers(dest="action", required=True)

    load = sub.add_parser("load", help="create or update everything in a TOML/JSON file")
    load.add_argument("file", type=Path)
    load.set_defaults(handler=run_load)
    sub.add_parser("example", help="print an example file for `load`").set_defaults(handler=run_example)

    calendar = sub.add_parser("calendar", help="create or change a calendar of working hours")
    calendar.add_argument("name")
    calendar.add_argument("--timezone", default="UTC", help="e.g. Europe/Moscow")
    calendar.add_argument("--days", default="mon-fri", help='"mon-fri", "mon,wed,fri" or "24/7"')
    calendar.add_argument("--hours", default="09:00-18:00", help='"09:00-18:00"; "00:00-24:00" for all day')
    calendar.add_argument("--holiday", action="append", default=[], help="YYYY-MM-DD, repeatable")
    calendar.set_defaults(handler=run_calendar)

    level = sub.add_parser("level", help="create or change a level and its targets")
    level.add_argument("name")
    level.add_argument("--calendar", required=True)
    level.add_argument(
        "--target",
        type=parse_target,
        action="append",
        default=[],
        metavar="TYPE=FIRST/RESOLUTION",
        help='e.g. incident=2h/16h; "*" for every other type; repeatable',
    )
    level.add_argument("--warn", type=int, default=80, help="warn at this percent of the time (default 80)")
    level.add_argument("--default", action="store_true", help="the level of customers without a contract")
    level.set_defaults(handler=run_level)

    add = sub.add_parser("add", help="give an organization a contract")
    add.add_argument("organization")
    add.add_argument("--level", required=True)
    add.add_argument("--from", dest="starts", type=date.fromisoformat, default=date.today())
    add.add_argument("--until", dest="ends", type=date.fromisoformat)
    add.set_defaults(handler=run_add)

    sub.add_parser("list", help="show calendars, levels and contracts").set_defaults(handler=run_list)


def run_example(settings: Settings, args: argparse.Namespace) -> int:
    print(contract_file.EXAMPLE, end="")
    return 0


def run_load(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        notes: list[str] = []
        counts = await contract_file.load(session, contract_file.read(args.file), notes)
        language = settings.default_language
        listed = ", ".join(counted(section, n, language) for section, n in counts.items())
        return [cli_texts("loaded", language, file=args.file, counts=listed), *notes]

    return report(settings, work)


def run_calendar(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        saved = await contracts.save_calendar(
            session, args.name, timezone=args.timezone, days=args.days, hours=args.hours, holidays=args.holiday
        )
        return [f"calendar {saved.name}: {describe_calendar(saved)}"]

    return report(settings, work)


def run_level(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        saved = await contracts.save_level(
            session,
            args.name,
            calendar=args.calendar,
            targets=dict(args.target),
            warn_percent=args.warn,
            default=args.default,
        )
        return [f"level {saved.name}: {describe_targets(saved.targets)}" + (" (default)" if saved.is_default else "")]

    return report(settings, work)


def run_add(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        saved = await contracts.save_contract(
            session, args.organization, level=args.level, starts_on=args.starts, ends_on=args.ends
        )
        return [f"contract: {args.organization}, {saved.level}, {saved.starts_on} - {saved.ends_on or 'open-ended'}"]

    return report(settings, work)


def describe_calendar(calendar: SupportCalendar) -> str:
    days = ",".join(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d] for d in calendar.days)
    return f"{days} {calendar.opens}-{calendar.closes} {calendar.timezone}" + (
        f", holidays {', '.join(calendar.holidays)}" if calendar.holidays else ""
    )


def describe_targets(targets: dict[str, Any]) -> str:
    return "; ".join(f"{kind} {t.get('first_response')}m/{t.get('resolution')}m" for kind, t in targets.items())


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        lines = ["calendars:"]
        lines += [
            f"  {c.name}: {describe_calendar(c)}" for c in (await session.execute(select(SupportCalendar))).scalars()
        ]
        lines.append("levels (targets: first response/resolution, business minutes):")
        for level in (await session.execute(select(ServiceLevel))).scalars():
            calendar = await session.get(SupportCalendar, level.calendar_id)
            default = " (default)" if level.is_default else ""
            name = calendar.name if calendar else "?"
            lines.append(
                f"  {level.name}{default}: calendar {name}, warn at {level.warn_percent}%; {describe_targets(level.targets)}"
            )
        lines.append("contracts:")
        query = select(Contract, Organization).join(Organization).order_by(Organization.name, Contract.starts_on)
        for contract, organization in (await session.execute(query)).all():
            lines.append(
                f"  {organization.name}: {contract.level}, {contract.starts_on} - {contract.ends_on or 'open-ended'}"
            )
        return lines

    return report(settings, work)
