"""One forum topic per ticket: created on demand, renamed with the status, reopened or recreated when needed."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from sqlmodel import col, select

from bot.models import TelegramGroupMessage, TelegramTopic
from core.db import transaction
from core.views import TicketStatus, TicketView, type_name
from platforms.telegram.context import BotContext

STATUS_MARK = {
    TicketStatus.NEW: "🆕",
    TicketStatus.IN_PROGRESS: "🔧",
    TicketStatus.WAITING_CUSTOMER: "⏳",
    TicketStatus.SOLVED: "✅",
    TicketStatus.CLOSED: "🔒",
}


def topic_name(ticket: TicketView, language: str) -> str:
    mark = STATUS_MARK.get(ticket.status, "")
    return f"{mark} #{ticket.number} · {type_name(ticket.type, language)} · {ticket.subject}"[:128]


class Topics:
    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx

    @property
    def chat_id(self) -> int:
        assert self.ctx.agent_chat_id is not None
        return self.ctx.agent_chat_id

    async def find(self, ticket: TicketView) -> TelegramTopic | None:
        async with self.ctx.sessions() as session:
            query = select(TelegramTopic).where(col(TelegramTopic.ticket_id) == ticket.id)
            return (await session.execute(query)).scalar_one_or_none()

    async def ensure(self, ticket: TicketView) -> tuple[int | None, bool]:
        """The ticket's open topic (None without topics) and whether it was just created."""
        if not self.ctx.forum:
            return None, False
        topic = await self.find(ticket)
        if topic is None:
            return await self.create(ticket), True
        if topic.closed:
            await self.reopen(ticket, topic.thread_id)
        return topic.thread_id, False

    async def create(self, ticket: TicketView) -> int | None:
        name = topic_name(ticket, self.ctx.language)
        await self.ctx.sender.slot(self.chat_id, urgent=True)  # a new ticket's place comes first
        try:
            created = await self.ctx.bot.create_forum_topic(self.chat_id, name)
        except TelegramBadRequest as error:
            if "not a forum" not in error.message:
                raise
            self.ctx.forum = False  # topics were switched off: fall back to replies
            return None
        async with transaction(self.ctx.sessions) as session:
            query = select(TelegramTopic).where(col(TelegramTopic.ticket_id) == ticket.id)
            row = (await session.execute(query)).scalar_one_or_none() or TelegramTopic(
                ticket_id=ticket.id, chat_id=self.chat_id, thread_id=0, name=name
            )
            row.thread_id, row.name, row.closed = created.message_thread_id, name, False
            session.add(row)
        return created.message_thread_id

    async def recreate(self, ticket: TicketView) -> int | None:
        return await self.create(ticket)

    async def reopen(self, ticket: TicketView, thread_id: int) -> None:
        await self.ctx.sender.slot(self.chat_id)
        try:
            await self.ctx.bot.reopen_forum_topic(self.chat_id, thread_id)
        except TelegramBadRequest as error:
            if "TOPIC_NOT_MODIFIED" not in error.message:
                raise
        await self._mark(ticket, closed=False)

    async def show_status(self, ticket: TicketView) -> None:
        """Rename the topic after the status; a closed ticket's topic is closed too."""
        topic = await self.find(ticket)
        if topic is None or not self.ctx.forum:
            return
        name = topic_name(ticket, self.ctx.language)
        if name != topic.name:
            await self.ctx.sender.slot(self.chat_id)
            await self.ctx.bot.edit_forum_topic(self.chat_id, topic.thread_id, name=name)
        closing = ticket.status is TicketStatus.CLOSED
        if closing and not topic.closed:
            await self.ctx.sender.slot(self.chat_id)
            await self.ctx.bot.close_forum_topic(self.chat_id, topic.thread_id)
        elif not closing and topic.closed:
            await self.reopen(ticket, topic.thread_id)  # reopened (a linked ticket following its parent)
        await self._mark(ticket, closed=closing, name=name)

    async def _mark(self, ticket: TicketView, *, closed: bool, name: str | None = None) -> None:
        async with transaction(self.ctx.sessions) as session:
            row = (
                await session.execute(select(TelegramTopic).where(col(TelegramTopic.ticket_id) == ticket.id))
            ).scalar_one()
            row.closed = closed
            if name is not None:
                row.name = name

    async def remember(self, ticket: TicketView, message_ids: list[int]) -> None:
        """Group messages that stand for the ticket: an agent's reply to any of them reaches it."""
        async with transaction(self.ctx.sessions) as session:
            session.add_all(
                TelegramGroupMessage(chat_id=self.chat_id, message_id=mid, ticket_id=ticket.id) for mid in message_ids
            )
