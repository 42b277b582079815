"""Rate limits shared by two instances through the real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from core.redis_ratelimit import RedisRateLimiter


@dataclass
class Rule:
    count: int
    per: float


RULES = {"global": Rule(5, 1.0), "chat": Rule(2, 1.0)}


@pytest.fixture
async def pair(redis_url: str) -> AsyncIterator[tuple[RedisRateLimiter, RedisRateLimiter]]:
    prefix = f"sbtest-{uuid.uuid4().hex[:8]}:"
    clients = [Redis.from_url(redis_url), Redis.from_url(redis_url)]
    try:
        yield RedisRateLimiter(clients[0], RULES, prefix=prefix), RedisRateLimiter(clients[1], RULES, prefix=prefix)
    finally:
        for client in clients:
            await client.aclose()


async def test_two_instances_share_one_budget(pair: tuple[RedisRateLimiter, RedisRateLimiter]) -> None:
    first, second = pair
    results = await asyncio.gather(*((first, second)[i % 2].reserve(["global", f"chat:{i}"]) for i in range(8)))
    assert sum(1 for wait in results if wait == 0) == 5
    assert all(0 < wait <= 1.0 for wait in results if wait)


async def test_a_full_key_takes_nothing_from_the_others(pair: tuple[RedisRateLimiter, RedisRateLimiter]) -> None:
    first, second = pair
    assert [await first.reserve(["global", "chat:7"]) for _ in range(2)] == [0, 0]
    assert await second.reserve(["global", "chat:7"]) > 0  # chat 7 is full: global must stay untouched
    assert [await second.reserve(["global", f"chat:{n}"]) for n in range(3)] == [0, 0, 0]
    assert await first.reserve(["global", "chat:99"]) > 0


async def test_the_window_slides(pair: tuple[RedisRateLimiter, RedisRateLimiter]) -> None:
    first, second = pair
    assert [await first.reserve(["chat:1"]) for _ in range(2)] == [0, 0]
    wait = await second.reserve(["chat:1"])
    assert 0 < wait <= 1.0
    await asyncio.sleep(wait + 0.05)
    assert await second.reserve(["chat:1"]) == 0
    assert await second.reserve(["unlimited:1"]) == 0
