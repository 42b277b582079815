"""A plugin's background loop as start/stop callables for the app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

Hook = Callable[[], Awaitable[None]]


def background(name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> tuple[Hook, Hook]:
    """`start` runs `run()` as a task; `stop` cancels it and waits for it to end."""
    tasks: list[asyncio.Task[None]] = []

    async def start() -> None:
        tasks.append(asyncio.create_task(run(), name=name))

    async def stop() -> None:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        tasks.clear()

    return start, stop
