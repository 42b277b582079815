from __future__ import annotations

import argparse
import logging
import sys

from core.settings import Settings, get_settings
from switchboard.commands import migrate, serve

COMMANDS = [serve, migrate]


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; Bot API URLs carry the bot token.
    for noisy in ("httpx", "httpcore", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


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
