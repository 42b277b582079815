"""Live events to whoever listens in this process (web-chat sockets); Redis replaces it for several."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol


class Inbox:
    """One listener's bounded FIFO of a topic's events, read by one task.

    Does what asyncio.Queue did here in a tenth of its memory (four deques and an Event each): every
    open web-chat socket holds one, and thousands are open at once.
    """

    __slots__ = ("_items", "_waiter", "maxsize", "on_put")

    def __init__(self, maxsize: int) -> None:
        self._items: list[dict[str, Any]] = []
        self._waiter: asyncio.Future[None] | None = None
        self.maxsize = maxsize
        # Called after each put: lets a listener start a task only when there is something to do,
        # instead of keeping one parked in get() for every idle socket.
        self.on_put: Callable[[], None] | None = None

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return len(self._items) >= self.maxsize

    def put_nowait(self, item: dict[str, Any]) -> None:
        if self.full():
            raise asyncio.QueueFull
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        if self.on_put is not None:
            self.on_put()

    def get_nowait(self) -> dict[str, Any]:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.pop(0)

    async def get(self) -> dict[str, Any]:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class Fanout(Protocol):
    async def publish(self, topic: str, event: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str) -> Any:
        """An async context manager yielding an `Inbox` of the topic's events."""


class LocalFanout:
    """In-process fan-out: enough for one `switchboard serve` process."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._queues: dict[str, set[Inbox]] = defaultdict(set)
        self._queue_size = queue_size

    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        for queue in list(self._queues.get(topic, ())):
            if queue.full():
                # A listener that stopped reading must not hold others up; it refetches on reconnect.
                queue.get_nowait()
            queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Inbox]:
        queue = Inbox(self._queue_size)
        self._queues[topic].add(queue)
        try:
            yield queue
        finally:
            self._queues[topic].discard(queue)
            if not self._queues[topic]:
                del self._queues[topic]
