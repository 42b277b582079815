"""What several instances share at run time: the Redis link, when REDIS_URL is set."""

from __future__ import annotations

from core.redis_fanout import RedisFanout
from core.services import Services


async def start(services: Services) -> None:
    """Connect the Redis fan-out (if any) and let other instances wake this one's delivery worker."""
    if isinstance(services.fanout, RedisFanout):
        await services.fanout.start(on_wake=services.worker.wake)


async def stop(services: Services) -> None:
    if isinstance(services.fanout, RedisFanout):
        await services.fanout.close()
