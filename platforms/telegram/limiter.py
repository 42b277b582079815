"""Outbound rate limits: per chat, into the agents' group, and overall.

`RateLimiter` is the seam: this in-process one serves a single instance; a Redis-backed one with
the same `reserve` can replace it when several instances share one bot token.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from platforms.telegram.settings import TelegramSettings


class RateLimiter(Protocol):
    async def reserve(self, keys: Sequence[str]) -> float:
        """Take one slot under every key and return 0, or take nothing and return the seconds to wait."""
        ...


@dataclass
class Rule:
    count: int
    per: float
    # Least time between two hits. A bare sliding window lets its first burst repeat every `per`
    # seconds, and bursts spaced exactly `per` apart exceed the platform's own window at the least
    # jitter (bench/broadcast.py measured 11% 429s at 30/s); spacing spreads the hits out.
    spacing: float = 0.0


@dataclass
class LocalRateLimiter:
    """Sliding windows in memory. A key's rule is found by its prefix: "chat:42" uses rules["chat"]."""

    rules: dict[str, Rule]
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    async def reserve(self, keys: Sequence[str]) -> float:
        now = time.monotonic()
        wait = 0.0
        for key in keys:
            rule = self.rules.get(key.split(":", 1)[0])
            if rule is None:
                continue
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - rule.per:
                hits.popleft()
            if len(hits) >= rule.count:
                wait = max(wait, hits[0] + rule.per - now)
            if hits and rule.spacing:
                wait = max(wait, hits[-1] + rule.spacing - now)
        if wait > 0:
            return wait
        for key in keys:
            if key.split(":", 1)[0] in self.rules:
                self._hits[key].append(now)
        return 0.0


def telegram_rules(settings: TelegramSettings) -> dict[str, Rule]:
    """The Bot API's limits as configured: overall, per chat and into the agents' group."""
    return {
        # Evenly spaced, 2% under the limit, so network jitter never puts one too many in Telegram's second.
        "global": Rule(settings.global_per_second, 1.0, spacing=1.02 / settings.global_per_second),
        "chat": Rule(settings.chat_per_second, 1.0),
        "group": Rule(settings.group_per_minute, 60.0),
        # A quarter of the group's minute is kept for urgent sends (platforms/telegram/sender.py).
        "group_routine": Rule(routine_share(settings.group_per_minute), 60.0),
    }


def routine_share(per_minute: int) -> int:
    """How much of the group's budget routine sends may use: all but a quarter (at least one slot kept)."""
    return max(per_minute - max(per_minute // 4, 1), 1)
