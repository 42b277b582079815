"""`/new` in the agents' group: a request taken by phone reaches the customer where a channel can."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import col, select

from core.models import Identity, Ticket
from core.settings import Settings
from switchboard.settings import AppSettings
from tests.support.telegram_steps import in_group, text_of, topic_of
from tests.support.telegram_whatsapp import telegram_and_whatsapp
from tests.switchboard.test_mass_everywhere import wa_ticket

CALL = """/new
Name: Wanda Smith
Contact: +1 (555) 000-1111
Type: incident
Subject: Gate camera is dark
Description: Since 9:00 nothing on the screen.
She called from the front desk."""


async def test_a_phone_request_of_a_whatsapp_customer_gets_its_solution_there(
    make_settings: Callable[..., AppSettings], migrated: Settings
) -> None:
    async with telegram_and_whatsapp(make_settings) as (telegram, wa):
        tg = telegram.fake
        await wa_ticket(wa, "15550001111", "Archive does not play")  # Wanda is known on WhatsApp
        wanda = wa.customer("15550001111")
        bob = tg.agent("Bob")

        await bob.send(CALL)
        answer = text_of(await in_group(telegram, "registered"))
        assert "Updates go to the customer on whatsapp (15550001111)" in answer
        number = int(answer.split("#")[1].split(" ")[0])
        await wa.wait_for(lambda: any(f"We registered your request #{number}" in t for t in wanda.texts()), "notice")
        topic = await topic_of(telegram, number)
        card = text_of(tg.thread_messages(topic.thread_id)[0])
        assert "Gate camera is dark" in card and "She called from the front desk." in card

        await bob.send("/solve Replaced the camera's power supply", thread_id=topic.thread_id)
        await wa.wait_for(lambda: any("Replaced the camera's power supply" in t for t in wanda.texts()), "solution")
        tickets = await telegram.query(
            select(Ticket.channel, Ticket.address, Ticket.contact_id).order_by(col(Ticket.id))
        )
        assert tickets[0] == tickets[1]  # the same WhatsApp customer, not a new contact

        # Nobody reachable: the agents are told to call, at once and with every update.
        await bob.send("/new\nКонтакт: +7 999 000-00-00\nТема: Не работает турникет")
        answer = text_of(await in_group(telegram, "No channel reaches this customer"))
        assert "give updates by phone (+79990000000)" in answer
        other = int(answer.split("#")[1].split(" ")[0])
        other_topic = await topic_of(telegram, other)
        await bob.send("/solve Турникет перезапущен", thread_id=other_topic.thread_id)
        await in_group(telegram, "give this update by phone (+79990000000)", thread_id=other_topic.thread_id)

        await bob.send("/new\nName: Nobody")
        await in_group(telegram, "Contact and subject are required")
        await bob.send("/new\nContact: ivan@example.com\nType: urgent\nSubject: Mail")
        await in_group(telegram, "Type must be one of")
        await bob.send("/new\nContact: ivan@example.com\nSubject: Mail is slow")
        await in_group(telegram, "(ivan@example.com)")
        emails = await telegram.query(select(Identity.channel).where(col(Identity.address) == "ivan@example.com"))
        assert sorted(row.channel for row in emails) == ["email", "phone"]  # for the e-mail channel to find
