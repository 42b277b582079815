"""The agents' desk (core.messages.AGENT_DESK) rendered into the Telegram forum group."""

from __future__ import annotations

from bot.desk_events import DeskEvent, GeneralRenderer, Renderer, customer_messages
from bot.topics import Topics
from core import views
from core.delivery import PermanentFailure
from core.messages import AGENT_DESK, OutboundMessage, SendResult
from platforms.telegram.context import BotContext
from platforms.telegram.errors import delivery_outcomes
from platforms.telegram.messages import message_key

# Kinds that post fresh content and change nothing the card shows.
CARD_UNCHANGED = frozenset({"ticket_created", "customer_message", "delivery_failed"})


class AgentDeskAdapter:
    name = AGENT_DESK
    # When customers write faster than the group takes (20/min), their queued messages go out as one.
    max_combined = 50

    def __init__(
        self,
        ctx: BotContext,
        renderers: dict[str, Renderer],
        bot_channels: frozenset[str] = frozenset(),
        general: dict[str, GeneralRenderer] | None = None,
    ) -> None:
        self.ctx, self.renderers, self.topics, self.bot_channels = ctx, renderers, Topics(ctx), bot_channels
        # Events of no one ticket (the General topic: access lock-outs, the digest, parked events...).
        self.general = general or {}

    async def send(self, message: OutboundMessage) -> SendResult:
        # A kind drawn both ways (a parked event) goes to its ticket's topic when it has a ticket.
        general = self.general.get(message.kind)
        if general is not None and (message.ticket_id is None or message.kind not in self.renderers):
            with delivery_outcomes():
                return self._result(await general(self.ctx, message))
        renderer = self.renderers.get(message.kind)
        if renderer is None:
            raise PermanentFailure(f"the agents' group has no renderer for {message.kind!r} events")
        event = await self._event(message)
        with delivery_outcomes():
            ids = await renderer(event)
        await self._follow(event)
        return self._result(ids)

    async def _follow(self, event: DeskEvent) -> None:
        """The card shows what the event changed; a mass incident's status moves its linked tickets' topics."""
        cards, kind = self.ctx.cards, event.message.kind
        if cards is None or kind in CARD_UNCHANGED:
            return
        cards.touch(event.ticket.number)
        if kind == "mass_broadcast" and event.message.meta.get("broadcast_kind", "update") != "update":
            async with self.ctx.sessions() as session:
                for number in await views.linked_numbers(session, event.ticket.id):
                    cards.touch(number, follow=True)

    def can_combine(self, first: OutboundMessage, other: OutboundMessage) -> bool:
        return first.kind == other.kind == "customer_message"

    async def send_combined(self, messages: list[OutboundMessage]) -> SendResult:
        event = await self._event(messages[0])
        with delivery_outcomes():
            ids = await customer_messages(event, [m.meta.get("message_id") for m in messages])
        return self._result(ids)

    async def _event(self, message: OutboundMessage) -> DeskEvent:
        async with self.ctx.sessions() as session:
            ticket = await views.ticket(session, message.ticket_id) if message.ticket_id is not None else None
        if ticket is None:
            raise PermanentFailure(f"desk event {message.id} names no existing ticket")
        return DeskEvent(self.ctx, self.topics, message, ticket, self.bot_channels)

    def _result(self, ids: list[int]) -> SendResult:
        return SendResult(external_id=message_key(self.topics.chat_id, ids[-1]) if ids else None)
