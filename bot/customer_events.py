"""Desk events of the customer's side of closing: why it is not solved, a request that follows a closed one."""

from __future__ import annotations

from bot.desk_events import DeskEvent, Renderer
from core.i18n import Catalog

texts = Catalog(
    {
        "en": {
            "unsolved_reason": "↩️ The customer says it is not solved; the ticket is back in progress.\n\nWhy: {reason}",
            "follow_up": "↪️ Follows the closed ticket #{previous} (the customer wrote after the reopen window).",
        },
        "ru": {
            "unsolved_reason": "↩️ Клиент сообщает, что проблема не решена; обращение снова в работе.\n\nПричина: {reason}",
            "follow_up": "↪️ Продолжение закрытого обращения №{previous} (клиент написал после срока переоткрытия).",
        },
    }
)


async def unsolved_reason(event: DeskEvent) -> list[int]:
    return await event.text(texts("unsolved_reason", event.ctx.language, reason=event.message.meta.get("reason", "")))


async def follow_up(event: DeskEvent) -> list[int]:
    return await event.text(texts("follow_up", event.ctx.language, previous=event.message.meta.get("previous")))


def renderers() -> dict[str, Renderer]:
    return {"unsolved_reason": unsolved_reason, "follow_up": follow_up}
