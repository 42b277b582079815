from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import uvicorn

from core.db import create_engine
from core.migrate import SchemaNotReady, ensure_migrated, upgrade
from core.settings import Settings, get_settings


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; Bot API URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


async def _migrate(settings: Settings, *, check_only: bool) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    try:
        await (ensure_migrated(engine) if check_only else upgrade(engine))
    finally:
        await engine.dispose()


def serve(settings: Settings, host: str | None, port: int | None) -> int:
    if not settings.is_sqlite:
        try:
            asyncio.run(_migrate(settings, check_only=True))
        except SchemaNotReady as error:
            print(f"switchboard: {error}", file=sys.stderr)
            return 2
    from switchboard.app import build_app

    uvicorn.run(
        build_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        proxy_headers=True,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="switchboard", description="Multi-channel support desk bot.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the web app, the bot and the workers")
    serve_parser.add_argument("--host")
    serve_parser.add_argument("--port", type=int)
    migrate_parser = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate_parser.add_argument("--check", action="store_true", help="only report whether it is up to date")
    args = parser.parse_args(argv)

    settings = get_settings()
    configure_logging(settings)
    if args.command == "serve":
        return serve(settings, args.host, args.port)
    try:
        asyncio.run(_migrate(settings, check_only=args.check))
    except SchemaNotReady as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return 2
    print("switchboard: the database schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
