"""Every outbound Bot API call passes here, so the platform's rate limits hold for all of them."""

from __future__ import annotations

import asyncio

from aiogram import Bot

from core.delivery import RetryLater
from platforms.telegram.limiter import RateLimiter


class Sender:
    def __init__(self, bot: Bot, limiter: RateLimiter, group_id: int | None, *, max_sleep: float = 2.0) -> None:
        self.bot, self.limiter, self.group_id, self.max_sleep = bot, limiter, group_id, max_sleep

    async def slot(self, chat_id: int | str, *, urgent: bool = False) -> None:
        """Wait for a free slot to `chat_id`; a long wait goes back to the outbox instead of blocking.

        Into the agents' group, routine sends (follow-ups, status lines, card edits) may use only
        part of the budget ("group_routine"); the rest is kept for urgent ones: a new ticket's topic
        and card, SLA warnings, answers to agents. A burst then delays the routine, never the news.
        """
        keys = ["global", f"chat:{chat_id}"]
        if self.group_id is not None and str(chat_id) == str(self.group_id):
            keys += ["group"] if urgent else ["group", "group_routine"]
        while (wait := await self.limiter.reserve(keys)) > 0:
            if wait > self.max_sleep:
                toward = "the agents group" if len(keys) > 2 else "a chat"
                raise RetryLater(f"rate limit toward {toward}", wait, rate_limited=True)
            await asyncio.sleep(wait)
