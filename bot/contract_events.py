"""Desk events of SLA, mass incidents and ratings, merged into the desk adapter's table."""

from __future__ import annotations

from datetime import datetime

from bot import roster
from bot.contract_texts import contract_texts, duration
from bot.desk_events import DeskEvent, Renderer
from bot.rich import mention, rich
from bot.texts import texts
from core.timeutil import utcnow


def t(event: DeskEvent, key: str, **values: object) -> str:
    return contract_texts(key, event.ctx.language, **values)


async def sla_values(event: DeskEvent) -> dict[str, object]:
    meta = event.message.meta
    due = datetime.fromisoformat(meta["due_at"]) if meta.get("due_at") else utcnow()
    name = meta.get("assignee")
    async with event.ctx.sessions() as session:
        agent = await roster.by_name(session, event.chat_id, name)
    return {
        "target": t(event, f"target.{meta['target']}"),
        "due": f"{due:%Y-%m-%d %H:%M}",
        "left": duration((due - utcnow()).total_seconds(), event.ctx.language),
        # A real mention: the assignee is notified, not just named.
        "assignee": mention(agent, name) if name else t(event, "sla.nobody"),
    }


async def sla_warning(event: DeskEvent) -> list[int]:
    return await event.rich(rich(contract_texts, "sla.warning", event.ctx.language, **await sla_values(event)))


async def sla_breach(event: DeskEvent) -> list[int]:
    values = await sla_values(event)
    ids = await event.rich(rich(contract_texts, "sla.breach", event.ctx.language, **values))
    if event.ctx.forum:
        # Also listed in the group's General topic, where a breach is seen without opening the ticket.
        number, subject = event.ticket.number, event.ticket.subject
        line = rich(contract_texts, "sla.breach.general", event.ctx.language, number=number, subject=subject, **values)
        await event.ctx.sender.slot(event.chat_id, urgent=True)
        await event.ctx.bot.send_message(event.chat_id, **line.as_kwargs())
    return ids


async def mass_marked(event: DeskEvent) -> list[int]:
    return await event.text(t(event, "mass.marked", linked=event.message.meta.get("linked", 0)))


async def mass_linked(event: DeskEvent) -> list[int]:
    meta = event.message.meta
    return await event.text(t(event, "mass.linked", child=meta.get("child"), linked=meta.get("linked", 0)))


async def mass_joined(event: DeskEvent) -> list[int]:
    """A customer joined the mass incident: no message of its own; the adapter refreshes the card's count."""
    return []


async def mass_linked_to(event: DeskEvent) -> list[int]:
    return await event.text(t(event, "mass.linked_to", parent=event.message.meta.get("parent")))


async def mass_broadcast(event: DeskEvent) -> list[int]:
    meta = event.message.meta
    return await event.text(t(event, "mass.broadcast", count=meta.get("recipients", 0), linked=meta.get("linked", 0)))


async def mass_reached(event: DeskEvent) -> list[int]:
    meta, language = event.message.meta, event.ctx.language
    kind = meta.get("broadcast_kind", "update")
    label = (
        t(event, "mass.kind.update")
        if kind == "update"
        else t(event, "mass.kind.status", status=texts(f"agent_status.{kind}", language))
    )
    values = {name: meta.get(name, 0) for name in ("reached", "failed", "linked")}
    return await event.text(t(event, "mass.reached", kind=label, count=meta.get("recipients", 0), **values))


async def rating(event: DeskEvent) -> list[int]:
    return await event.text(t(event, "rating", rating=event.message.meta.get("rating")))


def renderers() -> dict[str, Renderer]:
    return {
        "sla_warning": sla_warning,
        "sla_breach": sla_breach,
        "mass_marked": mass_marked,
        "mass_linked": mass_linked,
        "mass_joined": mass_joined,
        "mass_linked_to": mass_linked_to,
        "mass_broadcast": mass_broadcast,
        "mass_reached": mass_reached,
        "rating": rating,
    }
