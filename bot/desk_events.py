"""How each desk event appears in the agents' group. `renderers()` is the table; other modules add kinds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiogram.exceptions import TelegramBadRequest
from aiogram.utils.formatting import Text

from bot.card import render_card, unnamed
from bot.card_keeper import displayed, remember_card
from bot.texts import texts
from bot.topics import Topics
from core import views
from core.messages import AttachmentRef, OutboundMessage
from core.views import MessageView, TicketStatus, TicketView
from platforms.telegram.context import BotContext
from platforms.telegram.errors import is_thread_closed, is_thread_gone
from platforms.telegram.messages import parse_key
from platforms.telegram.render import send_content

Send = Callable[[int | None], Awaitable[list[int]]]
URGENT_KINDS = frozenset({"ticket_created", "sla_warning", "sla_breach"})


@dataclass
class DeskEvent:
    ctx: BotContext
    topics: Topics
    message: OutboundMessage
    ticket: TicketView
    # Channels whose customers write to this same bot: their messages are copied, files and all.
    bot_channels: frozenset[str] = frozenset()

    @property
    def chat_id(self) -> int:
        return self.topics.chat_id

    @property
    def urgent(self) -> bool:
        """Sent before routine traffic when the group's budget is short (platforms/telegram/sender.py)."""
        return self.message.kind in URGENT_KINDS

    def from_this_bot(self, source: MessageView) -> bool:
        """A customer's message this bot received itself, so it can copy it into the group."""
        return source.channel in self.bot_channels and parse_key(source.external_id) is not None

    def t(self, key: str, **values: object) -> str:
        return texts(key, self.ctx.language, **values)

    def tagged(self, text: str) -> str:
        """Without topics every message names its ticket; in a topic the topic does."""
        return text if self.ctx.forum else f"{self.t('ticket_tag', number=self.ticket.number)} · {text}"

    async def post(self, send: Send) -> list[int]:
        """Send into the ticket's topic, reopening or recreating it when someone closed or deleted it."""
        is_card = self.message.kind == "ticket_created"
        thread_id, created = await self.topics.ensure(self.ticket)
        ids = await self.post_card(thread_id) if created and not is_card else []
        try:
            ids += await send(thread_id)
        except TelegramBadRequest as error:
            if thread_id is None or not (is_thread_gone(error) or is_thread_closed(error)):
                raise
            if is_thread_closed(error):
                await self.topics.reopen(self.ticket, thread_id)
            else:
                thread_id = await self.topics.recreate(self.ticket)
                ids += [] if is_card else await self.post_card(thread_id, recreated=True)
            ids += await send(thread_id)
        await self.topics.remember(self.ticket, ids)
        if self.ticket.status is TicketStatus.CLOSED:
            await self.topics.show_status(self.ticket)  # news of a closed request (a rating) leaves it closed
        return ids

    async def post_card(self, thread_id: int | None, *, recreated: bool = False) -> list[int]:
        """The ticket's card as one message, remembered so later changes edit it in place."""
        async with self.ctx.sessions() as session:
            view = await views.card(session, self.ticket.id)
            assert view is not None  # tickets are never deleted
            card = displayed(self.ctx, self.ticket, await render_card(session, view, self.ctx.language, self.chat_id))
        text = card.text
        if recreated:
            text = Text(self.t("event.recreated"), "\n\n", text)
        await self.ctx.sender.slot(self.chat_id, urgent=True)
        sent = await self.ctx.bot.send_message(
            self.chat_id, message_thread_id=thread_id, reply_markup=card.markup, **text.as_kwargs()
        )
        await remember_card(self.ctx, self.ticket, self.chat_id, sent.message_id, card)
        return [sent.message_id]

    async def rich(self, text: Text) -> list[int]:
        """Text with entities (a mention, links); without topics it names its ticket too."""
        if not self.ctx.forum:
            text = Text(self.t("ticket_tag", number=self.ticket.number), " · ", text)

        async def _send(thread_id: int | None) -> list[int]:
            await self.ctx.sender.slot(self.chat_id, urgent=self.urgent)
            sent = await self.ctx.bot.send_message(self.chat_id, message_thread_id=thread_id, **text.as_kwargs())
            return [sent.message_id]

        return await self.post(_send)

    async def text(self, text: str, attachments: Sequence[AttachmentRef] = ()) -> list[int]:
        return await self.post(
            lambda thread: send_content(
                self.ctx,
                self.chat_id,
                self.tagged(text),
                attachments=attachments,
                thread_id=thread,
                urgent=self.urgent,
            )
        )

    async def copy(self, source: MessageView, caption: str | None = None) -> list[int]:
        """Copy a customer's Telegram message: files move inside Telegram, never through us."""
        key = parse_key(source.external_id)
        assert key is not None

        async def _copy(thread_id: int | None) -> list[int]:
            await self.ctx.sender.slot(self.chat_id, urgent=self.urgent)
            copied = await self.ctx.bot.copy_message(
                self.chat_id, key[0], key[1], message_thread_id=thread_id, caption=caption
            )
            return [copied.message_id]

        return await self.post(_copy)


Renderer = Callable[[DeskEvent], Awaitable[list[int]]]
GeneralRenderer = Callable[[BotContext, OutboundMessage], Awaitable[list[int]]]
"""Draws a desk event that belongs to no ticket, in the group's General topic."""


async def ticket_created(event: DeskEvent) -> list[int]:
    ids = await event.post(event.post_card)
    async with event.ctx.sessions() as session:
        files = await views.opening_files(session, event.ticket)
    copied: set[int] = set()
    for attachment, source in files:
        if event.from_this_bot(source):
            if source.id not in copied:
                copied.add(source.id)
                ids += await event.copy(source, caption=event.tagged(source.text) if not event.ctx.forum else None)
        else:
            ids += await event.text("", [attachment])
    return ids


async def customer_message(event: DeskEvent) -> list[int]:
    return await customer_messages(event, [event.message.meta.get("message_id")])


async def customer_messages(event: DeskEvent, message_ids: list[object]) -> list[int]:
    """Customers' messages in the topic; a burst of texts becomes one group message (20/min into a group)."""
    async with event.ctx.sessions() as session:
        sources = await views.messages(session, message_ids)
    ids: list[int] = []
    texts_waiting: list[str] = []

    async def flush() -> None:
        if texts_waiting:
            ids.extend(await event.text("\n\n".join(texts_waiting)))
            texts_waiting.clear()

    for source in sources:
        from_telegram = event.from_this_bot(source)
        if from_telegram and source.attachments:  # copy only what we accepted: a refused file must not slip through
            await flush()
            ids += await event.copy(source, caption=None if event.ctx.forum else event.tagged(source.text))
        elif source.attachments:
            await flush()
            ids += await event.text(speaker(event, source), source.attachments)
        elif source.text:
            texts_waiting.append(source.text if from_telegram else speaker(event, source))
    await flush()
    return ids


def speaker(event: DeskEvent, source: MessageView) -> str:
    name = source.author or unnamed(source.channel, source.address, event.ctx.language)
    author = texts("event.customer", event.ctx.language, name=name)
    return f"{author} {source.text}".strip()


async def status_changed(event: DeskEvent) -> list[int]:
    meta, language = event.message.meta, event.ctx.language
    kind, _, who = str(meta.get("actor", "")).partition(":")
    if kind == "customer":
        async with event.ctx.sessions() as session:
            card = await views.card(session, event.ticket.id)
        # Never a visitor's raw id: their name, or "Web visitor <code>".
        who = (card.customer_name if card else None) or unnamed(event.ticket.channel, event.ticket.address, language)
    line = event.t(
        f"event.status.{kind if kind in ('agent', 'customer') else 'system'}",
        who=who,
        from_status=event.t(f"agent_status.{meta['from_status']}"),
        to_status=event.t(f"agent_status.{meta['to_status']}"),
    )
    ids = await event.text(line)
    await event.topics.show_status(event.ticket)
    return ids


def inbound_parked_text(language: str, meta: dict[str, object]) -> str:
    values = {name: meta.get(name, "") for name in ("channel", "sender", "event_id", "reason")}
    return texts("event.inbound_parked", language, **values)


async def inbound_parked(event: DeskEvent) -> list[int]:
    return await event.text(inbound_parked_text(event.ctx.language, event.message.meta))


async def general_inbound_parked(ctx: BotContext, message: OutboundMessage) -> list[int]:
    if ctx.agent_chat_id is None:
        return []
    await ctx.sender.slot(ctx.agent_chat_id)
    sent = await ctx.bot.send_message(ctx.agent_chat_id, inbound_parked_text(ctx.language, message.meta))
    return [sent.message_id]


def general_renderers() -> dict[str, GeneralRenderer]:
    """Event kind -> how it is shown when it names no ticket."""
    return {"inbound_parked": general_inbound_parked}


async def delivery_failed(event: DeskEvent) -> list[int]:
    return await event.text(event.t("event.delivery_failed", reason=event.message.meta.get("reason", "")))


def renderers() -> dict[str, Renderer]:
    """Event kind -> how it is shown. Add a kind here (or merge another module's table in the plugin)."""
    return {
        "ticket_created": ticket_created,
        "customer_message": customer_message,
        "status_changed": status_changed,
        "delivery_failed": delivery_failed,
        "inbound_parked": inbound_parked,
    }
