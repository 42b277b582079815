from __future__ import annotations

import argparse
import sys

from core.settings import Settings, get_settings
from switchboard.commands import backup, canned, contracts, migrate, orgs, serve
from switchboard.observability import logs
from switchboard.settings import AppSettings

COMMANDS = [serve, migrate, backup, contracts, orgs, canned]


def configure_logging(settings: Settings) -> None:
    logs.configure(AppSettings.load(settings))  # text or JSON, request ids, every channel's secrets masked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchboard", description="Multi-channel support desk bot.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings)
    return int(args.handler(settings, args))


if __name__ == "__main__":
    sys.exit(main())
