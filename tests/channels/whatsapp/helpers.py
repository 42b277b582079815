from __future__ import annotations

from core.models import OutboxMessage, Ticket
from tests.channels.whatsapp.conftest import World, wait_async
from tests.fakes.whatsapp import Customer


async def open_ticket(world: World, alice: Customer, subject: str = "Camera is down") -> Ticket:
    """Alice goes through the intake on WhatsApp, pressing the buttons the app sent her."""
    await alice.say("hello")
    await world.fake.wait_for(lambda: len(alice.inbox()) >= 1, "the type question")
    await alice.press("type:incident", "Incident")
    await alice.say(subject)
    await alice.say("The recorder shows a black screen since 9:00.")
    await world.fake.wait_for(lambda: len(alice.inbox()) >= 4, "the screenshot question")
    await alice.press("nav:skip", "Skip")
    await world.fake.wait_for(lambda: any("registered" in t for t in alice.texts()), "the ticket number")
    [ticket] = await world.rows(Ticket, Ticket.subject == subject)
    return ticket


async def settled(world: World, outbox_id: int) -> OutboxMessage:
    """The outbox row once the worker is done with it (sent or failed)."""
    [row] = await world.rows(OutboxMessage, OutboxMessage.id == outbox_id)

    async def done() -> bool:
        nonlocal row
        [row] = await world.rows(OutboxMessage, OutboxMessage.id == outbox_id)
        return row.status != "pending"

    await wait_async(done, f"outbox {outbox_id} to settle")
    return row
