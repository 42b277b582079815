"""The card's SLA lines: the ticket's level and the time left on each clock."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.contract_texts import contract_texts, duration
from core import sla
from core.models import Ticket


async def sla_lines(session: AsyncSession, ticket: Ticket, language: str) -> list[str]:
    if ticket.level is None:
        return []
    t = contract_texts
    # With an organization the card already names its contract level; the default level is said here.
    lines = [] if ticket.organization_id is not None else [t("sla.card.level", language, value=ticket.level)]
    for view in await sla.time_left(session, ticket):
        left = duration(view.left_seconds or 0, language)
        due = f"{view.due_at:%Y-%m-%d %H:%M}" if view.due_at else "-"
        if view.met:
            state = t("sla.met", language)
        elif view.paused:
            state = t("sla.paused", language, left=left)
        elif (view.left_seconds or 0) < 0:
            state = t("sla.overdue", language, left=left)
        else:
            state = t("sla.left", language, left=left, due=due)
        lines.append(t("sla.card.line", language, target=t(f"target.{view.target}", language), state=state))
    return lines
