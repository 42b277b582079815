from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class WakeableLoop:
    """A background pass that runs again at once while it finds work, else on `wake()` or a poll."""

    name = "background"

    def __init__(self, poll_interval: float) -> None:
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something is waiting: look now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """One pass; the number of items it handled (0 means: wait before the next)."""
        raise NotImplementedError

    async def run(self) -> None:
        while True:
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("%s pass failed; retrying after a pause", self.name)
                handled = 0
            if handled:
                continue
            await self.wait_for_wake()

    async def wait_for_wake(self) -> None:
        """Until `wake()` is called or a poll interval has passed."""
        await wait_event(self._wake, self.poll_interval)
        self._wake.clear()


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Whether `event` was set within `timeout` seconds.

    Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that arrives as the event is
    set (the task then runs on, "cancelling", and whoever awaits its end waits forever: a test hung
    so when a delivery finished while the worker was being stopped). asyncio.timeout does not.
    """
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


@contextlib.asynccontextmanager
async def renewing(name: str, every: float, renew: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
    """Call `renew()` (a lease's renewal) every `every` seconds while the block runs.

    At the block's end the keeper is stopped, not cancelled: a renewal in flight finishes first.
    Cancelled in mid-statement it lost its connection, whose closing was cancelled too (an ERROR
    from the pool in the log whenever a batch ended, or a worker stopped, during a renewal)."""
    stop = asyncio.Event()

    async def keep() -> None:
        while not await wait_event(stop, every):
            try:
                await renew()
            except Exception:
                log.exception("%s: renewing leases failed", name)

    keeper = asyncio.create_task(keep(), name=f"{name}-leases")
    try:
        yield
    finally:
        stop.set()
        await asyncio.shield(keeper)  # cancelled again while waiting, the renewal still ends by itself


Hook = Callable[[], Awaitable[None]]
"""A plugin's start or stop callable, for the app's lifespan."""


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
