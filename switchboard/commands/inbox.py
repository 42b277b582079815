"""`switchboard inbox ...`: inbound events that kept failing (parked), shown and queued again."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.db import SessionFactory, create_engine, create_session_factory
from core.inbox_queue import PARKED, listed, requeue
from core.migrate import SchemaNotReady, ensure_migrated, upgrade
from core.settings import Settings

T = TypeVar("T")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("inbox", help="inbound events that could not be handled")
    sub = parser.add_subparsers(dest="action", required=True)

    show = sub.add_parser("list", help="show parked events (or those of --status) with their reason")
    show.add_argument("--status", default=PARKED, choices=["parked", "pending", "done"])
    show.add_argument("--limit", type=int, default=100)
    show.set_defaults(handler=run_list)

    retry = sub.add_parser("retry", help="queue parked events again")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", type=int, default=[], help="event ids from `inbox list`")
    which.add_argument("--all", action="store_true", help="every parked event")
    retry.set_defaults(handler=run_retry)


def _run(settings: Settings, work: Callable[[SessionFactory], Awaitable[T]]) -> T:
    async def _main() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.resolved_database_url)
        try:
            await (upgrade(engine) if settings.is_sqlite else ensure_migrated(engine))
            return await work(create_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(_main())


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    try:
        events = _run(settings, lambda sessions: listed(sessions, args.status, args.limit))
    except SchemaNotReady as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 2
    for event in events:
        arrived = f"{event.arrived_at:%Y-%m-%d %H:%M:%S}"
        print(
            f"{event.id}\t{event.channel}\t{event.conversation}\t{arrived}\t"
            f"attempts {event.attempts}\t{event.last_error or ''}"
        )
    if not events:
        print(f"no {args.status} events")
    return 0


def run_retry(settings: Settings, args: argparse.Namespace) -> int:
    if not args.all and not args.ids:
        print("switchboard: name event ids or --all", file=sys.stderr)
        return 2
    try:
        count = _run(settings, lambda sessions: requeue(sessions, None if args.all else args.ids))
    except SchemaNotReady as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 2
    print(f"{count} event(s) queued again")
    return 0
