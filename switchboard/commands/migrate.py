from __future__ import annotations

import argparse
import asyncio
import sys

from core.db import create_engine
from core.migrate import SchemaNotReady, ensure_migrated, upgrade
from core.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("migrate", help="bring the database schema up to date")
    parser.add_argument("--check", action="store_true", help="only report whether it is up to date")
    parser.set_defaults(handler=run)


async def migrate(settings: Settings, *, check_only: bool) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    try:
        await (ensure_migrated(engine) if check_only else upgrade(engine))
    finally:
        await engine.dispose()


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        asyncio.run(migrate(settings, check_only=args.check))
    except SchemaNotReady as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 2
    print("switchboard: the database schema is up to date")
    return 0
