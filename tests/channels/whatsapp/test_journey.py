"""A WhatsApp customer's whole journey, answered by an agent in the Telegram forum group."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from channels.whatsapp.models import WhatsAppSent
from core.db import transaction
from core.models import Identity
from core.settings import Settings
from core.timeutil import utcnow
from switchboard.settings import AppSettings
from tests.channels.whatsapp.conftest import TEMPLATE
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp, readable
from tests.support.telegram_steps import text_of
from tests.support.telegram_whatsapp import telegram_and_whatsapp


@dataclass
class Desk:
    whatsapp: FakeWhatsApp
    telegram: FakeTelegram
    services: Any


@pytest.fixture
async def desk(make_settings: Callable[..., AppSettings], migrated: Settings) -> AsyncIterator[Desk]:
    overrides = {"telegram_global_per_second": 100, "whatsapp_template_name": TEMPLATE}
    async with telegram_and_whatsapp(make_settings, **overrides) as (telegram, whatsapp):
        try:
            yield Desk(whatsapp, telegram.fake, telegram.services)
        finally:
            await telegram.fake.close()


async def test_whatsapp_customer_answered_from_the_forum_group(desk: Desk) -> None:
    wa, tg = desk.whatsapp, desk.telegram
    alice = wa.customer("15551234567", "Alice")

    async def alice_reads(fragment: str) -> dict[str, Any]:
        return await wa.wait_for(
            lambda: next((m for m in alice.inbox() if fragment in readable(m)), None), repr(fragment)
        )

    await alice.say("hello")
    question = await alice_reads("What kind of request is it?")
    assert question["interactive"]["type"] == "list"
    await alice.press("type:incident", "Incident", kind="list_reply")
    await alice_reads("In a few words")
    await alice.say("Camera <b>is</b> down")
    await alice_reads("Please describe it in detail")
    await alice.say("The recorder shows a black screen since 9:00.")
    await alice_reads("If you have a screenshot")
    await alice.send_media("image", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png", caption="screen")
    await alice_reads("Your request #1001 is registered")

    topic = await tg.wait_for(lambda: next(iter(tg.topics.values()), None), "the ticket's topic")
    card = await tg.wait_for(lambda: tg.thread_messages(topic.thread_id), "the card")
    assert "whatsapp" in text_of(card[0]).lower() and "Camera <b>is</b> down" in text_of(card[0])

    bob = tg.agent("Bob")
    await bob.send("Please restart the recorder.", thread_id=topic.thread_id)
    reply = await alice_reads("#1001 · Support: Please restart the recorder.")
    assert reply["type"] == "text"
    for state in ("sent", "delivered", "read"):
        await wa.status(reply["_wamid"], state, alice.wa_id)

    async def receipt() -> str | None:
        async with desk.services.sessions() as session:
            query = select(WhatsAppSent.status).where(WhatsAppSent.wamid == reply["_wamid"])
            return (await session.execute(query)).scalar_one_or_none()

    for _ in range(200):
        if await receipt() == "read":
            break
        await asyncio.sleep(0.05)
    assert await receipt() == "read"

    await alice.say("Restarted, still black.")
    await tg.wait_for(
        lambda: any(text_of(m).endswith("Restarted, still black.") for m in tg.thread_messages(topic.thread_id)),
        "Alice's words in the topic",
    )
    await bob.send("/solve Replaced the power supply.", thread_id=topic.thread_id)
    await alice_reads("Request #1001: solution provided.\n\nReplaced the power supply.")

    # A day later the window is closed: a status change goes as the template, free text does not go.
    async with transaction(desk.services.sessions) as session:
        await session.execute(
            update(Identity)
            .where(Identity.address == alice.wa_id)
            .values(last_inbound_at=utcnow() - timedelta(hours=25))
        )
    await bob.send("/close", thread_id=topic.thread_id)
    template = await wa.wait_for(
        lambda: next((m for m in alice.inbox() if m["type"] == "template"), None), "the template"
    )
    assert next(p["text"] for p in template["template"]["components"][0]["parameters"]) == "1001"
    await bob.send("Did it help?", thread_id=topic.thread_id)
    warning = await tg.wait_for(
        lambda: next((m for m in tg.thread_messages(topic.thread_id) if "24 hours" in text_of(m)), None),
        "the reason in the topic",
    )
    assert "did not receive" in text_of(warning)
    assert not any("Did it help?" in text for text in alice.texts())
