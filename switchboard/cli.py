"""The `switchboard` command line.

A subcommand's module is imported only when that subcommand runs, so `switchboard --help` (and
any one command) does not pay for the web stack, the bot or the ORM.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.settings import Settings

# name -> (module with `register(subparsers)` setting `handler(settings, args) -> int`, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("switchboard.commands.serve", "run the web app, the bot and the workers"),
    "migrate": ("switchboard.commands.migrate", "bring the database schema up to date"),
    "backup": ("switchboard.commands.backup", "archive the database and the stored files"),
    "restore": ("switchboard.commands.backup", "load an archive made by `switchboard backup`"),
    "contracts": ("switchboard.commands.contracts", "calendars, service levels and contracts"),
    "orgs": ("switchboard.commands.orgs", "organizations, access codes and members"),
    "canned": ("switchboard.commands.canned", "saved replies agents send with /r <name>"),
    "inbox": ("switchboard.commands.inbox", "inbound events kept before they were handled: list, retry"),
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser, with only the chosen subcommand's module imported."""
    parser = argparse.ArgumentParser(prog="switchboard", description="Multi-channel support desk bot.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    if chosen in COMMANDS:
        importlib.import_module(COMMANDS[chosen][0]).register(subparsers)
    for name, (_, help_text) in COMMANDS.items():
        if name not in subparsers.choices:  # listed for --help; its module is not needed
            subparsers.add_parser(name, help=help_text)
    return parser


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    """Run one subcommand. `settings` is for callers that embed the CLI and own the process's logging."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    if settings is None:
        from core.settings import get_settings
        from switchboard.observability import logs
        from switchboard.settings import AppSettings

        settings = get_settings()
        logs.configure(AppSettings.load(settings))  # text or JSON, request ids, every channel's secrets masked
    return int(args.handler(settings, args))


if __name__ == "__main__":
    sys.exit(main())
