"""`/queue` in the General topic and the daily digest, fired once however many instances run."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from core import queues
from core.digest import DigestLoop
from core.models import SlaClock, Ticket
from core.services import Services
from core.timeutil import utcnow
from tests.support.contracts import off_loop, office_levels
from tests.support.telegram import Telegram
from tests.support.telegram_steps import in_group, open_ticket, text_of, topic_of

pytestmark = pytest.mark.parametrize("mode", ["polling"])


@pytest.fixture
def telegram_overrides(telegram_overrides: dict[str, Any]) -> dict[str, Any]:
    return {
        **telegram_overrides,
        "timers_poll_interval": 0.1,
        "digest_time": "00:00",
        "digest_timezone": "Europe/Moscow",
    }


def section(text: str, title: str) -> str:
    """The lines under one bold title of a /queue answer."""
    return text.split(title, 1)[1].split("<b>", 1)[0]


async def test_queues_and_a_digest_sent_once(telegram: Telegram) -> None:
    async def with_services(work: Any) -> None:
        services = Services.build(telegram.settings.core)
        try:
            await work(services)
        finally:
            await services.engine.dispose()

    await off_loop(lambda: with_services(lambda s: office_levels(s, default="premium")))
    fake = telegram.fake
    alice, carol, dave = fake.user("Alice"), fake.user("Carol"), fake.user("Dave")
    taken = await open_ticket(telegram, alice, "Badge reader")
    late = await open_ticket(telegram, carol, "Camera down")
    asked = await open_ticket(telegram, dave, "Door lock")
    bob = fake.agent("Bob")
    await bob.send("/take", thread_id=(await topic_of(telegram, taken)).thread_id)
    await bob.send("/ask Which door?", thread_id=(await topic_of(telegram, asked)).thread_id)
    await telegram.settled()

    async def overdue(services: Services) -> None:
        async with services.sessions() as session, session.begin():
            ticket_id = (await session.execute(select(Ticket.id).where(col(Ticket.number) == late))).scalar_one()
            due = utcnow() - timedelta(minutes=1)
            await session.execute(update(SlaClock).where(col(SlaClock.ticket_id) == ticket_id).values(due_at=due))

    await off_loop(lambda: with_services(overdue))

    await bob.send("/queue")
    text = text_of(await in_group(telegram, "Nobody's yet:"))
    assert f"#{late}" in section(text, "Nobody's yet: 1") and f"#{taken}" not in section(text, "Nobody's yet")
    assert f"#{taken}</a>" in section(text, "Yours: 1")
    assert f"#{late}" in section(text, "SLA overdue: 1")
    assert f"#{asked}" in section(text, "Waiting for the customer: 1")
    assert "https://t.me/c/1234567890/" in text

    before = len(fake.chat_messages(fake.group_id))
    await bob.send("/queue overdue")
    text = text_of(await in_group(telegram, "SLA overdue: 1", after=before))
    assert "Nobody's yet" not in text and f"#{late}" in text
    await bob.send("/queue everything")
    await in_group(telegram, "/queue shows every list")

    # Due since 00:00 Moscow time, so the app sent it as it started, before any request existed.
    digest = text_of(await in_group(telegram, "Daily digest"))
    assert "Open requests: 0 (none)" in digest and "overdue now: 0" in digest

    async def second_instance(services: Services) -> None:
        zone = ZoneInfo("Europe/Moscow")
        assert not await DigestLoop(services.sessions, at=time(0, 0), zone=zone, language="en").run_once()
        async with services.sessions() as session:
            content = await queues.digest(session)
        assert content["by_status"] == {"new": 1, "in_progress": 1, "waiting_customer": 1}
        assert content["overdue_total"] == 1 and [e["number"] for e in content["overdue"]] == [late]
        assert [e["number"] for e in content["oldest"]] == [taken, late]

    await off_loop(lambda: with_services(second_instance))
    await telegram.settled()
    assert len([m for m in fake.chat_messages(fake.group_id) if "Daily digest" in text_of(m)]) == 1
