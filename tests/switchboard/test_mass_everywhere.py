"""A mass incident whose customers are on Telegram, WhatsApp and the web widget, all through the real app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.settings import Settings
from switchboard.settings import AppSettings
from tests.channels.webchat.visitor import Visitor
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp
from tests.support.telegram_steps import open_ticket, said, text_of, topic_of
from tests.support.telegram_whatsapp import telegram_and_whatsapp

UPDATE = "Storage is being replaced, ETA 14:00"
SOLUTION = "Storage replaced; the archive is back"


async def wa_ticket(fake: FakeWhatsApp, wa_id: str, subject: str) -> None:
    customer = fake.customer(wa_id, "Wanda")
    await customer.say("hello")
    await fake.wait_for(lambda: any("What kind of request" in t for t in customer.texts()), "the type question")
    await customer.press("type:incident", "Incident")
    await fake.wait_for(lambda: any("In a few words" in t for t in customer.texts()), "the subject question")
    await customer.say(subject)
    await fake.wait_for(lambda: any("describe it in detail" in t for t in customer.texts()), "the details question")
    await customer.say("Nothing plays since 9:00")
    await fake.wait_for(lambda: any("screenshot" in t for t in customer.texts()), "the screenshot question")
    await customer.press("nav:skip", "Skip")
    await fake.wait_for(lambda: any("is registered" in t for t in customer.texts()), "the creation reply")


async def test_broadcast_and_solution_reach_telegram_whatsapp_and_the_widget_once(
    make_settings: Callable[..., AppSettings], migrated: Settings
) -> None:
    async with telegram_and_whatsapp(make_settings, timers_poll_interval=0.1) as (telegram, wa):
        tg = telegram.fake
        alice = tg.user("Alice")
        parent = await open_ticket(telegram, alice, "Video archive unavailable")
        await wa_ticket(wa, "15550001111", "Archive does not play")
        async with Visitor(telegram.app_url) as visitor:
            created = await visitor.open_ticket("Cannot open recordings")
            web_number = int(created["text"].split("#")[1].split(" ")[0].rstrip(":"))
            topic = await topic_of(telegram, parent)
            bob = tg.agent("Bob")

            await bob.send("/mass", thread_id=topic.thread_id)
            await bob.send(f"/link {parent + 1} {web_number}", thread_id=topic.thread_id)
            await in_topic(tg, topic.thread_id, "Linked: 2.")
            await bob.send(f"/broadcast {UPDATE}", thread_id=topic.thread_id)

            await said(telegram, alice, UPDATE)
            await wa.wait_for(lambda: any(UPDATE in t for t in wa.customer("15550001111").texts()), "WhatsApp update")
            await visitor.reply_with(lambda e: UPDATE in e["text"])
            await in_topic(tg, topic.thread_id, "Update: reached 3 of 3 customers (failed: 0; linked tickets: 2)")

            await bob.send(f"/solve {SOLUTION}", thread_id=topic.thread_id)
            await said(telegram, alice, SOLUTION)
            await wa.wait_for(
                lambda: any(SOLUTION in t for t in wa.customer("15550001111").texts()), "WhatsApp solution"
            )
            solved = await visitor.reply_with(lambda e: SOLUTION in e["text"])
            await in_topic(tg, topic.thread_id, "reached 2 of 2 customers")

            wa_texts = wa.customer("15550001111").texts()
            assert sum(UPDATE in t for t in wa_texts) == 1 and sum(SOLUTION in t for t in wa_texts) == 1
            assert sum(UPDATE in text_of(m) for m in alice.inbox()) == 1
            assert sum(SOLUTION in text_of(m) for m in alice.inbox()) == 1
            web_texts = [e["text"] for e in visitor.events if e["from"] != "visitor"]
            assert sum(UPDATE in t for t in web_texts) == 1 and sum(SOLUTION in t for t in web_texts) == 1
            assert {c["id"] for c in solved.get("choices", [])} >= {
                f"solved:{web_number}",
                f"unsolved:{web_number}",
            }
        await tg.close()


async def in_topic(fake: FakeTelegram, thread_id: int, fragment: str) -> dict[str, Any]:
    return await fake.wait_for(
        lambda: next((m for m in fake.thread_messages(thread_id) if fragment in text_of(m)), None),
        f"{fragment!r} in topic {thread_id}",
    )
