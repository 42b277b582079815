"""On Telegram the confirm buttons act once: the message is edited to say what was chosen."""

from __future__ import annotations

import pytest

from core.models import TicketStatus
from core.staff import Agent
from tests.support.telegram import Telegram
from tests.support.telegram_steps import open_ticket, said, text_of

ANNA = Agent("Anna", "7")


@pytest.mark.parametrize("mode", ["polling"])
async def test_not_solved_then_solved_edits_the_message_and_does_not_reopen_twice(telegram: Telegram) -> None:
    alice = telegram.fake.user("Alice")
    number = await open_ticket(telegram, alice, "Printer jams")
    await telegram.services.desk.solve(number, ANNA, "Cleaned the roller.")
    solution = await said(telegram, alice, "solution provided")
    assert solution["reply_markup"]["inline_keyboard"]

    await alice.press(f"unsolved:{number}", solution)
    await said(telegram, alice, "You answered “Not solved”")
    edited = await telegram.fake.wait_for(
        lambda: solution if text_of(solution).endswith("✓ Not solved") else None, "the solution message edited"
    )
    assert edited.get("reply_markup") is None

    # A second press on the old message (a slow client) is answered, and the ticket is not reopened again.
    await alice.press(f"solved:{number}", {**solution, "reply_markup": None})
    await said(telegram, alice, "no longer waiting for your confirmation")
    [(_, status, _)] = await telegram.tickets()
    assert status == TicketStatus.IN_PROGRESS
