"""Run ASGI apps (ours and the fake platforms) as real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import uvicorn

from switchboard.commands.serve import SERVER_OPTIONS


@contextlib.asynccontextmanager
async def serve(app: Any, *, port: int = 0, lifespan: str = "on", access_log: bool = True) -> AsyncIterator[str]:
    """Serve `app` on 127.0.0.1 (a free port unless given) for the duration; yields the base URL.

    A fake platform is served with `access_log=False`: its request lines are the platform's side of
    the wire (Telegram's carry the bot token in the path by design), not what our app logs.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    # The same server options as `switchboard serve`, so tests see what production serves; idle
    # connections kept well past a slow step of a test: with uvicorn's default of 5 s, a client
    # reusing a connection the server has just closed gets "connection reset" (seen under load).
    options = {**SERVER_OPTIONS, "timeout_keep_alive": 75}
    config = uvicorn.Config(
        app, log_config=None, lifespan=lifespan, ws_ping_interval=None, access_log=access_log, **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                # uvicorn logs the cause and exits; turn that into an error the test can read.
                with contextlib.suppress(SystemExit):
                    task.result()
                raise RuntimeError("the server failed to start; its log above says why")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, SystemExit, RuntimeError):
            await task
        sock.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
