"""`switchboard canned list|add|del`: the saved replies agents send with /r <name>."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from core import canned
from core.migrate import SchemaNotReady
from core.settings import Settings
from switchboard.commands.contracts import in_transaction


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("canned", help="saved replies agents send with /r <name>")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="show every saved reply").set_defaults(handler=run_list)
    add = sub.add_parser("add", help="save a reply (replaces one of the same name)")
    add.add_argument("name")
    add.add_argument("text", help="may use {name} {number} {subject} {status} {type} {agent}")
    add.set_defaults(handler=run_add)
    delete = sub.add_parser("del", help="delete a saved reply")
    delete.add_argument("name")
    delete.set_defaults(handler=run_del)


def _report(settings: Settings, work: Callable[[AsyncSession], Awaitable[list[str]]]) -> int:
    try:
        lines = in_transaction(settings, work)
    except (canned.CannedError, SchemaNotReady) as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        return [f"{reply.name}\t{reply.text}" for reply in await canned.all_replies(session)]

    return _report(settings, work)


def run_add(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        reply, created = await canned.save(session, args.name, args.text, author="cli")
        return [f"{'added' if created else 'replaced'} {reply.name}"]

    return _report(settings, work)


def run_del(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        await canned.delete(session, args.name)
        return [f"deleted {args.name}"]

    return _report(settings, work)
