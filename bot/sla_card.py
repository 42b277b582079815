"""The card's SLA lines: the ticket's level and the time left on each clock."""

from __future__ import annotations

from bot.contract_texts import contract_texts, duration
from core.views import CardView


def sla_lines(card: CardView, language: str) -> list[str]:
    ticket = card.ticket
    if ticket.level is None:
        return []
    t = contract_texts
    # With an organization the card already names its contract level; the default level is said here.
    lines = [] if ticket.organization_id is not None else [t("sla.card.level", language, value=ticket.level)]
    for clock in card.clocks:
        left = duration(clock.left_seconds or 0, language)
        due = f"{clock.due_at:%Y-%m-%d %H:%M}" if clock.due_at else "-"
        if clock.met:
            state = t("sla.met", language)
        elif clock.paused:
            state = t("sla.paused", language, left=left)
        elif (clock.left_seconds or 0) < 0:
            state = t("sla.overdue", language, left=left)
        else:
            state = t("sla.left", language, left=left, due=due)
        lines.append(t("sla.card.line", language, target=t(f"target.{clock.target}", language), state=state))
    return lines
