"""Agents' replies going out through the adapter to the fake Graph API, and its errors."""

from __future__ import annotations

from sqlalchemy import select

from channels.whatsapp.models import WhatsAppSent
from core.desk import Agent
from core.messages import AGENT_DESK, InboundAttachment
from core.models import OutboxMessage
from tests.channels.whatsapp.conftest import World
from tests.channels.whatsapp.helpers import open_ticket, settled

BOB = Agent("Bob")


async def last_outbox_to(world: World, address: str) -> OutboxMessage:
    async with world.services.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.address == address).order_by(OutboxMessage.id.desc())  # type: ignore[union-attr]
        return (await session.execute(query.limit(1))).scalar_one()


async def reply(world: World, number: int, text: str, files: list[InboundAttachment] | None = None) -> OutboxMessage:
    """Bob answers; the customer's outbox row for that answer (not the status notice after it)."""
    await world.services.desk.reply(number, BOB, text, files)
    async with world.services.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()  # type: ignore[arg-type]
        return [r for r in rows if r.channel == "whatsapp" and r.payload["meta"].get("agent") == "Bob"][-1]


async def test_a_long_reply_is_split_at_4096_and_each_part_recorded(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    before = len(alice.inbox())
    words = " ".join(f"word{i}" for i in range(1500))  # about 10,000 characters
    row = await settled(world, (await reply(world, ticket.number, words)).id or 0)
    parts = (
        [m for m in alice.inbox()[before:] if m.get("_wamid") in {s.wamid for s in sent}]
        if (sent := await world.rows(WhatsAppSent, WhatsAppSent.outbox_id == row.id))
        else []
    )
    assert row.status == "sent" and len(parts) == len(sent) == 4 and row.external_id == sent[0].wamid
    assert all(p["type"] == "text" and 4000 < len(p["text"]["body"]) <= 4096 for p in parts[:-1])
    assert " ".join(p["text"]["body"] for p in parts).endswith("word1498 word1499")


async def test_an_agents_image_is_uploaded_then_sent_by_media_id(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    png = b"\x89PNG\r\n\x1a\n" + bytes(300)
    image = InboundAttachment(kind="image", filename="fix.png", mime_type="image/png", content=png)
    report = InboundAttachment(kind="document", filename="report.pdf", mime_type="application/pdf", content=b"%PDF-1.4")
    row = await settled(world, (await reply(world, ticket.number, "Here is how", [image, report])).id or 0)
    assert row.status == "sent"
    uploads = [c for c in world.fake.calls if c.path.endswith("/media")]
    assert [u.files["file"] for u in uploads] == [
        ("fix.png", png, "image/png"),
        ("report.pdf", b"%PDF-1.4", "application/pdf"),
    ]
    media = [m for m in alice.inbox() if m["type"] in ("image", "document")]
    assert [(m["type"], m[m["type"]].get("filename")) for m in media] == [("image", None), ("document", "report.pdf")]
    assert [world.fake.media[m[m["type"]]["id"]].content for m in media] == [png, b"%PDF-1.4"]


async def test_rate_limits_back_off_without_using_up_attempts(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    world.fake.fail_next(400, 131056, times=2, to=alice.wa_id, retry_after=0)
    world.fake.fail_next(429, 130429, times=1, to=alice.wa_id, retry_after=0)
    row = await settled(world, (await reply(world, ticket.number, "on it")).id or 0)
    assert (row.status, row.attempts) == ("sent", 0)


async def test_server_errors_are_retried(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    world.fake.fail_next(503, 131000, times=2, to=alice.wa_id)
    row = await settled(world, (await reply(world, ticket.number, "on it")).id or 0)
    assert (row.status, row.attempts) == ("sent", 2)
    assert sum("on it" in t for t in alice.texts()) == 1


async def test_a_retry_continues_after_the_parts_already_sent(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    before = len(alice.inbox())
    words = " ".join(f"word{i}" for i in range(800))
    world.fake.fail_next(503, 131000, to=alice.wa_id, after=1)  # the first part goes, the second fails once
    row = await settled(world, (await reply(world, ticket.number, words)).id or 0)
    assert (row.status, row.attempts) == ("sent", 1)
    bodies = [m["text"]["body"] for m in alice.inbox()[before:] if m["type"] == "text" and "word" in m["text"]["body"]]
    assert len(bodies) == 2 and bodies[0].startswith("#") and bodies[1].endswith("word799")


async def test_a_permanent_error_fails_the_message_with_the_reason_and_tells_the_agents(world: World) -> None:
    alice = world.customer()
    ticket = await open_ticket(world, alice)
    world.fake.fail_next(400, 131026, to=alice.wa_id)
    row = await settled(world, (await reply(world, ticket.number, "on it")).id or 0)
    assert row.status == "failed" and "131026" in (row.last_error or "")
    events = await world.rows(
        OutboxMessage, OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind == "delivery_failed"
    )
    assert [e.payload["meta"]["outbox_id"] for e in events] == [row.id]
