"""Delivery receipts and the 24-hour customer service window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from channels.whatsapp.models import WhatsAppSent
from core.db import transaction
from core.desk import Agent
from core.messages import AGENT_DESK
from core.models import Identity, InboxEvent, OutboxMessage
from core.timeutil import utcnow
from tests.channels.whatsapp.conftest import TEMPLATE, StartApp, World
from tests.channels.whatsapp.helpers import open_ticket, settled
from tests.fakes.whatsapp_payloads import undeliverable

BOB = Agent("Bob")


async def close_window(world: World, address: str) -> None:
    async with transaction(world.services.sessions) as session:
        await session.execute(
            update(Identity).where(Identity.address == address).values(last_inbound_at=utcnow() - timedelta(hours=25))
        )


async def customer_rows(world: World) -> list[OutboxMessage]:
    return await world.rows(OutboxMessage, OutboxMessage.channel == "whatsapp")


async def test_receipts_are_recorded_on_our_message_and_never_go_backwards(world: World) -> None:
    alice = world.customer()
    await alice.say("hello")
    [question] = await world.fake.wait_for(alice.inbox, "the first question")
    [row] = await world.rows(OutboxMessage, OutboxMessage.channel == "whatsapp")
    row = await settled(world, row.id or 0)
    assert row.external_id == question["_wamid"]
    for state in ("sent", "read", "delivered"):  # Meta does not promise the order
        assert (await world.fake.status(question["_wamid"], state, alice.wa_id)).status_code == 200
    [sent] = await world.wait_rows(WhatsAppSent, 1, WhatsAppSent.outbox_id == row.id, WhatsAppSent.status == "read")
    assert sent.recipient == alice.wa_id


async def test_a_failed_receipt_fails_the_message_and_tells_the_agents(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    await world.services.desk.reply(ticket.number, BOB, "try a reboot")
    reply = await world.fake.wait_for(lambda: [m for m in alice.inbox() if "try a reboot" in str(m)], "the reply")
    [sent] = await world.wait_rows(WhatsAppSent, 1, WhatsAppSent.wamid == reply[0]["_wamid"])
    await world.fake.status(reply[0]["_wamid"], "failed", alice.wa_id, errors=undeliverable())
    [failed] = await world.wait_rows(
        OutboxMessage, 1, OutboxMessage.id == sent.outbox_id, OutboxMessage.status == "failed"
    )
    assert "131026" in (failed.last_error or "") and "not on WhatsApp" in (failed.last_error or "")
    [event] = await world.wait_rows(
        OutboxMessage, 1, OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind == "delivery_failed"
    )
    assert event.payload["meta"]["outbox_id"] == failed.id


async def test_a_status_change_after_the_window_closed_goes_as_the_template(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    await close_window(world, alice.wa_id)
    await world.services.desk.solve(ticket.number, BOB, "Replaced the power supply.")
    [template] = await world.fake.wait_for(
        lambda: [m for m in alice.inbox() if m["type"] == "template"], "the template"
    )
    assert template["template"]["name"] == TEMPLATE and template["template"]["language"] == {"code": "ru"}
    parameters = [p["text"] for p in template["template"]["components"][0]["parameters"]]
    assert parameters == [str(ticket.number), "Решение предоставлено"]


async def test_an_agents_free_text_after_the_window_closed_is_not_sent_and_the_agents_learn_why(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    await close_window(world, alice.wa_id)
    before = len(alice.inbox())
    await world.services.desk.reply(ticket.number, BOB, "are you still there?")
    [event] = await world.wait_rows(
        OutboxMessage, 1, OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind == "delivery_failed"
    )
    assert "24 hours" in event.payload["meta"]["reason"]
    [failed] = await world.rows(OutboxMessage, OutboxMessage.id == event.payload["meta"]["outbox_id"])
    assert failed.status == "failed" and "are you still there?" in failed.payload["text"]
    # The status notice of the same action ("in progress") went as the template; the words did not.
    await world.fake.wait_for(lambda: len(alice.inbox()) > before, "the status template")
    assert [m["type"] for m in alice.inbox()[before:]] == ["template"]


async def test_without_a_template_a_closed_window_fails_with_that_reason(start_app: StartApp) -> None:
    async with start_app(whatsapp_template_name="") as world:
        alice = world.customer()
        ticket = await open_ticket(world, alice)
        await close_window(world, alice.wa_id)
        await world.services.desk.solve(ticket.number, BOB, "Done.")
        [event] = await world.wait_rows(
            OutboxMessage, 1, OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind == "delivery_failed"
        )
        assert "WHATSAPP_TEMPLATE_NAME" in event.payload["meta"]["reason"]


async def test_writing_again_reopens_the_window(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    await close_window(world, alice.wa_id)
    await alice.say("still broken")
    await world.wait_rows(
        OutboxMessage, 1, OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind == "customer_message"
    )
    await world.services.desk.reply(ticket.number, BOB, "looking now")
    await world.fake.wait_for(lambda: any("looking now" in t for t in alice.texts()), "the free-text reply")


async def test_a_receipt_that_overtakes_the_recorded_send_is_applied_once_it_is_recorded(world: World) -> None:
    alice = world.customer()
    await alice.say("hello")
    await world.fake.wait_for(alice.inbox, "the first question")
    [row] = await world.rows(OutboxMessage, OutboxMessage.channel == "whatsapp")
    assert (await world.fake.status("wamid.LATE", "delivered", alice.wa_id)).status_code == 200
    await world.wait_rows(InboxEvent, 1, InboxEvent.attempts >= 1, InboxEvent.status == "pending")
    # The adapter's commit of what Meta accepted lands only now.
    async with transaction(world.services.sessions) as session:
        session.add(WhatsAppSent(outbox_id=row.id or 0, part=1, wamid="wamid.LATE", recipient=alice.wa_id))
    await world.wait_rows(WhatsAppSent, 1, WhatsAppSent.wamid == "wamid.LATE", WhatsAppSent.status == "delivered")
