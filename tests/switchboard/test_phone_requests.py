"""`/new` in the agents' group: a request taken by phone reaches the customer where a channel can."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from core.models import Identity, Ticket
from core.settings import Settings
from switchboard.app import build_app
from tests.bot.conftest import Telegram
from tests.bot.steps import text_of, topic_of
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp
from tests.support.servers import serve
from tests.switchboard.test_mass_everywhere import in_topic, wa_ticket

CALL = """/new
Name: Wanda Smith
Contact: +1 (555) 000-1111
Type: incident
Subject: Gate camera is dark
Description: Since 9:00 nothing on the screen.
She called from the front desk."""


async def group_reply(telegram: Telegram, fragment: str) -> str:
    fake = telegram.fake
    found = await fake.wait_for(
        lambda: next((m for m in reversed(fake.chat_messages(fake.group_id)) if fragment in text_of(m)), None),
        f"{fragment!r} in the group",
    )
    return text_of(found)


async def test_a_phone_request_of_a_whatsapp_customer_gets_its_solution_there(
    make_settings: Callable[..., Settings], migrated: Settings
) -> None:
    tg, wa = FakeTelegram(), FakeWhatsApp()
    async with serve(tg.app) as tg_url, serve(wa.app) as wa_url:
        settings = make_settings(
            telegram_bot_token=tg.token,
            telegram_api_url=tg_url,
            telegram_agent_chat_id=tg.group_id,
            telegram_group_per_minute=1000,
            telegram_chat_per_second=50,
            **wa.settings(wa_url),
        )
        app = build_app(settings)
        async with serve(app) as app_url:
            wa.webhook_url = f"{app_url}/whatsapp/webhook"
            telegram = Telegram(tg, settings, app_url, app.state.services)
            await wa_ticket(wa, "15550001111", "Archive does not play")  # Wanda is known on WhatsApp
            wanda = wa.customer("15550001111")
            bob = tg.agent("Bob")

            await bob.send(CALL)
            answer = await group_reply(telegram, "registered")
            assert "Updates go to the customer on whatsapp (15550001111)" in answer
            number = int(answer.split("#")[1].split(" ")[0])
            await wa.wait_for(
                lambda: any(f"We registered your request #{number}" in t for t in wanda.texts()), "notice"
            )
            topic = await topic_of(telegram, number)
            card = text_of(tg.thread_messages(topic.thread_id)[0])
            assert "Gate camera is dark" in card and "She called from the front desk." in card

            await bob.send("/solve Replaced the camera's power supply", thread_id=topic.thread_id)
            await wa.wait_for(lambda: any("Replaced the camera's power supply" in t for t in wanda.texts()), "solution")
            tickets = await telegram.query(
                select(Ticket.channel, Ticket.address, Ticket.contact_id).order_by(Ticket.id)
            )
            assert tickets[0] == tickets[1]  # the same WhatsApp customer, not a new contact

            # Nobody reachable: the agents are told to call, at once and with every update.
            await bob.send("/new\nКонтакт: +7 999 000-00-00\nТема: Не работает турникет")
            answer = await group_reply(telegram, "No channel reaches this customer")
            assert "give updates by phone (+79990000000)" in answer
            other = int(answer.split("#")[1].split(" ")[0])
            other_topic = await topic_of(telegram, other)
            await bob.send("/solve Турникет перезапущен", thread_id=other_topic.thread_id)
            await in_topic(tg, other_topic.thread_id, "give this update by phone (+79990000000)")

            await bob.send("/new\nName: Nobody")
            await group_reply(telegram, "Contact and subject are required")
            await bob.send("/new\nContact: ivan@example.com\nType: urgent\nSubject: Mail")
            await group_reply(telegram, "Type must be one of")
            await bob.send("/new\nContact: ivan@example.com\nSubject: Mail is slow")
            await group_reply(telegram, "(ivan@example.com)")
            emails = await telegram.query(select(Identity.channel).where(Identity.address == "ivan@example.com"))
            assert sorted(row.channel for row in emails) == ["email", "phone"]  # for the e-mail channel to find
