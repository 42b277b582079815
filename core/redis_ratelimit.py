"""Sliding-window rate limits shared by every instance through Redis (one bot token, one budget)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Protocol

from redis.asyncio import Redis

# Checks every key first and takes a slot under all of them only if all have room, atomically:
# two instances can never both take the last slot. Redis's clock serves every instance alike.
_RESERVE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local wait = 0
for i, key in ipairs(KEYS) do
  local count, per = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', t - per)
  if redis.call('ZCARD', key) >= count then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + per - t)
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, t, ARGV[1] .. ':' .. i)
  redis.call('PEXPIRE', key, math.ceil(tonumber(ARGV[2 * i + 1]) * 1000) + 1000)
end
return '0'
"""


class Window(Protocol):
    count: int
    per: float


class RedisRateLimiter:
    """Same contract as an in-process limiter: `reserve(keys)` takes a slot under each key or returns the wait.

    A key's rule is found by its prefix ("chat:42" uses rules["chat"]); keys without a rule are free.
    """

    def __init__(self, redis: Redis, rules: Mapping[str, Window], *, prefix: str = "switchboard:") -> None:
        self.redis, self.rules, self.prefix = redis, rules, prefix
        self._script = redis.register_script(_RESERVE)

    async def reserve(self, keys: Sequence[str]) -> float:
        limited = [(key, rule) for key in keys if (rule := self.rules.get(key.split(":", 1)[0])) is not None]
        if not limited:
            return 0.0
        args: list[str | int | float] = [uuid.uuid4().hex]
        for _, rule in limited:
            args += [rule.count, rule.per]
        result = await self._script(keys=[f"{self.prefix}rate:{key}" for key, _ in limited], args=args)
        return float(result)
