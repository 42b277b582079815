from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from core.migrate import SchemaNotReady
from core.settings import Settings
from switchboard.commands.migrate import migrate

SERVER_OPTIONS: dict[str, Any] = {
    # permessage-deflate keeps zlib state (~45 KiB) for every open socket; the widget's frames are a
    # few hundred bytes of JSON, so compressing them is not worth holding it for thousands of sockets.
    "ws_per_message_deflate": False,
}


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("serve", help="run the web app, the bot and the workers")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.set_defaults(handler=serve)


def serve(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.is_sqlite:
        try:
            asyncio.run(migrate(settings, check_only=True))
        except SchemaNotReady as error:
            print(f"switchboard: {error}", file=sys.stderr)
            return 2
    import uvicorn  # the web stack only for this command

    from switchboard.app import build_app
    from switchboard.settings import AppSettings

    uvicorn.run(
        build_app(AppSettings.load(settings)),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_config=None,
        proxy_headers=True,
        **SERVER_OPTIONS,
    )
    return 0
