"""The agents' group budget spent by priority: routine sends leave room for urgent ones."""

from __future__ import annotations

import pytest
from aiogram import Bot

from core.delivery import RetryLater
from platforms.telegram.limiter import LocalRateLimiter, Rule, routine_share
from platforms.telegram.sender import Sender

GROUP = -100123


async def test_routine_sends_leave_a_quarter_of_the_group_budget_to_urgent_ones() -> None:
    rules = {"group": Rule(20, 60.0), "group_routine": Rule(routine_share(20), 60.0)}
    bot = Bot("123:TEST")
    try:
        sender = Sender(bot, LocalRateLimiter(rules), GROUP, max_sleep=0.0)
        for _ in range(15):
            await sender.slot(GROUP)  # follow-ups, status lines, card edits
        with pytest.raises(RetryLater, match="agents group"):
            await sender.slot(GROUP)  # routine: back to the outbox until the minute has room
        for _ in range(5):
            await sender.slot(GROUP, urgent=True)  # a new ticket's topic and card, an SLA warning
        with pytest.raises(RetryLater):
            await sender.slot(GROUP, urgent=True)  # the group's own limit still holds for everything
        await sender.slot(42)  # private chats are not the group's budget
    finally:
        await bot.session.close()


def test_the_share_keeps_at_least_one_slot() -> None:
    assert (routine_share(20), routine_share(4), routine_share(1)) == (15, 3, 1)
