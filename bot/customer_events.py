"""Desk events of the customer's side of closing: why it is not solved, a request that follows a closed one."""

from __future__ import annotations

from bot.desk_events import DeskEvent, GeneralRenderer, Renderer
from core.i18n import Catalog
from core.messages import OutboundMessage
from platforms.telegram.context import BotContext

texts = Catalog(
    {
        "en": {
            "unsolved_reason": "↩️ The customer says it is not solved; the ticket is back in progress.\n\nWhy: {reason}",
            "follow_up": "↪️ Follows the closed ticket #{previous} (the customer wrote after the reopen window).",
            "access_locked": "🔒 {failures} wrong access codes within {minutes} min from {who} ({channel}{address}); codes from this {key} are not checked for {minutes} min. Someone may be guessing.",
            "key.contact": "contact",
            "key.address": "network address",
        },
        "ru": {
            "unsolved_reason": "↩️ Клиент сообщает, что проблема не решена; обращение снова в работе.\n\nПричина: {reason}",
            "follow_up": "↪️ Продолжение закрытого обращения №{previous} (клиент написал после срока переоткрытия).",
            "access_locked": "🔒 {failures} неверных кодов доступа за {minutes} мин. от {who} ({channel}{address}); коды с этого {key} не проверяются {minutes} мин. Возможно, код подбирают.",
            "key.contact": "контакта",
            "key.address": "сетевого адреса",
        },
    }
)


async def unsolved_reason(event: DeskEvent) -> list[int]:
    return await event.text(texts("unsolved_reason", event.ctx.language, reason=event.message.meta.get("reason", "")))


async def follow_up(event: DeskEvent) -> list[int]:
    return await event.text(texts("follow_up", event.ctx.language, previous=event.message.meta.get("previous")))


def renderers() -> dict[str, Renderer]:
    return {"unsolved_reason": unsolved_reason, "follow_up": follow_up}


async def access_locked(ctx: BotContext, message: OutboundMessage) -> list[int]:
    meta, language = message.meta, ctx.language
    address = f", {meta['client_address']}" if meta.get("client_address") else ""
    line = texts(
        "access_locked",
        language,
        failures=meta.get("failures"),
        minutes=meta.get("minutes"),
        who=meta.get("who", ""),
        channel=meta.get("channel", ""),
        address=address,
        key=texts(f"key.{meta.get('key', 'contact')}", language),
    )
    chat_id = ctx.agent_chat_id
    if chat_id is None:
        return []
    await ctx.sender.slot(chat_id)
    sent = await ctx.bot.send_message(chat_id, line)  # no thread: the General topic
    return [sent.message_id]


def general_renderers() -> dict[str, GeneralRenderer]:
    """Desk events that belong to no ticket, by kind."""
    return {"access_locked": access_locked}
