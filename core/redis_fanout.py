"""Fan-out and worker wake-ups across instances, over Redis pub/sub (chosen when REDIS_URL is set)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from core.fanout import Inbox, LocalFanout

log = logging.getLogger(__name__)

WAKE_TOPIC = "outbox-wake"


class RedisFanout:
    """Implements `core.fanout.Fanout` for several processes.

    Each process holds one Redis pub/sub connection, whatever the number of local listeners:
    a Redis message is handed to this process's listeners through a `LocalFanout`. The same
    connection carries "something was queued" signals, so an instance's delivery worker wakes
    at once when another instance queues a message, instead of at its next poll.
    """

    def __init__(self, url: str, *, prefix: str = "switchboard:", queue_size: int = 1000) -> None:
        self._redis: Redis = Redis.from_url(url)
        self.prefix = prefix
        self._prefix = prefix
        self._local = LocalFanout(queue_size)
        self._counts: dict[str, int] = {}
        self._confirmed: dict[bytes, asyncio.Event] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._on_wake: Callable[[], None] = lambda: None
        self._announcing: asyncio.Task[None] | None = None
        self._announce_again = False

    @property
    def client(self) -> Redis:
        """The shared Redis connection pool, for other cross-instance state (rate limits)."""
        return self._redis

    def _channel(self, topic: str) -> str:
        return f"{self._prefix}{topic}"

    async def start(self, on_wake: Callable[[], None]) -> None:
        """Connect and listen; `on_wake` runs whenever any instance announces queued messages."""
        self._on_wake = on_wake
        self._pubsub = self._redis.pubsub()
        self._reader = asyncio.create_task(self._read(self._pubsub), name="redis-fanout")
        # Always subscribed to the wake topic, so the reader never sits on an idle connection.
        await self._subscribe(self._channel(WAKE_TOPIC))

    async def _subscribe(self, channel: str) -> None:
        assert self._pubsub is not None
        confirmed = self._confirmed.setdefault(channel.encode(), asyncio.Event())
        await self._pubsub.subscribe(channel)
        # Until Redis confirms, events published by other instances would miss this listener.
        await asyncio.wait_for(confirmed.wait(), 10)

    async def close(self) -> None:
        for task in (self._reader, self._announcing):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self._redis.aclose()

    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        await self._redis.publish(self._channel(topic), json.dumps(event))

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[Inbox]:
        if self._pubsub is None:
            raise RuntimeError("RedisFanout.start() was not called")
        async with self._local.subscribe(topic) as queue:
            self._counts[topic] = self._counts.get(topic, 0) + 1
            if self._counts[topic] == 1:
                await self._subscribe(self._channel(topic))
            try:
                yield queue
            finally:
                self._counts[topic] -= 1
                if not self._counts[topic]:
                    del self._counts[topic]
                    self._confirmed.pop(self._channel(topic).encode(), None)
                    with contextlib.suppress(Exception):  # a lost connection unsubscribes anyway
                        await self._pubsub.unsubscribe(self._channel(topic))

    def announce_queued(self) -> None:
        """Tell every instance's worker that messages were queued; cheap to call after each commit."""
        if self._announcing is not None and not self._announcing.done():
            # One publish in flight is enough, but one queued after it started still needs its own.
            self._announce_again = True
            return
        self._announcing = asyncio.get_running_loop().create_task(self._announce())

    async def _announce(self) -> None:
        while True:
            self._announce_again = False
            try:
                await self._redis.publish(self._channel(WAKE_TOPIC), b"1")
            except Exception as error:  # the other workers still find the message at their next poll
                log.warning("could not announce queued messages over Redis: %s", type(error).__name__)
            if not self._announce_again:
                return

    async def _read(self, pubsub: PubSub) -> None:
        wake_channel = self._channel(WAKE_TOPIC).encode()
        while True:
            try:
                if not pubsub.subscribed:
                    await asyncio.sleep(0.01)
                    continue
                message = await pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Redis restarted or the network blinked: keep trying; polling covers the gap.
                log.warning("Redis fan-out connection lost (%s); reconnecting", type(error).__name__)
                await asyncio.sleep(1.0)
                continue
            if message is None:
                continue
            channel: bytes = message["channel"]
            if message["type"] == "subscribe" and channel in self._confirmed:
                self._confirmed[channel].set()
            if message["type"] != "message":
                continue
            if channel == wake_channel:
                self._on_wake()
                continue
            topic = channel.decode()[len(self._prefix) :]
            try:
                event = json.loads(message["data"])
            except ValueError:
                log.warning("ignored a malformed fan-out event on %s", topic)
                continue
            await self._local.publish(topic, event)
