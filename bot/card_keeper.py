"""Keeps every ticket's card in step with the ticket: a burst of changes costs one edit.

Anything that changes a ticket calls `touch(number)`; a background task waits `delay` so changes
arriving together coalesce, then renders each touched card and edits it only when what it shows
differs (the last shown text is kept in telegram_card). Edits wait for a slot under the group's
rate limit like any other send. `follow=True` also renames, closes or reopens the ticket's topic:
linked tickets follow their mass incident without a desk event of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter
from aiogram.utils.formatting import Text
from sqlmodel import col, select

from bot.card import Card, render_card
from bot.desk_models import TelegramCard
from bot.texts import texts
from bot.topics import Topics
from core import views
from core.db import transaction
from core.delivery import RetryLater
from core.timeutil import utcnow
from core.views import TicketView
from platforms.telegram.context import BotContext

log = logging.getLogger(__name__)


class CardKeeper:
    def __init__(self, ctx: BotContext, *, delay: float = 0.5) -> None:
        self.ctx, self.delay, self.topics = ctx, delay, Topics(ctx)
        self._touched: dict[int, bool] = {}  # ticket number -> its topic follows too
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.edits = 0

    def touch(self, number: int, *, follow: bool = False) -> None:
        """The ticket changed: its card (and with `follow` its topic) will be brought up to date."""
        self._touched[number] = self._touched.get(number, False) or follow
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="telegram-cards")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self.delay)  # let a burst of changes land: one edit for all of them
            self._wake.clear()
            touched, self._touched = self._touched, {}
            for number, follow in touched.items():
                try:
                    await self.refresh(number, follow=follow)
                except (TelegramAPIError, TelegramNetworkError) as error:
                    log.warning("telegram: card of #%s not updated (%s)", number, error)

    async def refresh(self, number: int, *, follow: bool = False) -> None:
        async with self.ctx.sessions() as session:
            ticket = await views.ticket_by_number(session, number)
            if ticket is None:
                return
            row = (
                await session.execute(select(TelegramCard).where(col(TelegramCard.ticket_id) == ticket.id))
            ).scalar_one_or_none()
            view = await views.card(session, ticket.id) if row else None
            card = (
                displayed(self.ctx, ticket, await render_card(session, view, self.ctx.language, self.topics.chat_id))
                if view
                else None
            )
        if follow:
            await self._patient(lambda: self.topics.show_status(ticket))
        if row is None or card is None or card.signature() == row.rendered:
            return
        await self._patient(lambda: self._edit(row, card))

    async def _edit(self, row: TelegramCard, card: Card) -> None:
        await self.ctx.sender.slot(row.chat_id)
        try:
            await self.ctx.bot.edit_message_text(
                chat_id=row.chat_id, message_id=row.message_id, reply_markup=card.markup, **card.text.as_kwargs()
            )
        except TelegramBadRequest as error:
            if "not modified" not in error.message:
                raise
        self.edits += 1
        async with transaction(self.ctx.sessions) as session:
            stored = await session.get(TelegramCard, row.id)
            if stored is not None:
                stored.rendered, stored.updated_at = card.signature(), utcnow()

    async def _patient(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work` when the group's budget allows: a card can wait, it never fails for a full budget."""
        while True:
            try:
                await work()
                return
            except RetryLater as later:
                await asyncio.sleep(later.retry_after or 1.0)
            except TelegramRetryAfter as error:
                await asyncio.sleep(error.retry_after)


def displayed(ctx: BotContext, ticket: TicketView, card: Card) -> Card:
    """The card as the group shows it: without topics it names its ticket."""
    if ctx.forum:
        return card
    return Card(Text(texts("ticket_tag", ctx.language, number=ticket.number), " · ", card.text), card.markup)


async def remember_card(ctx: BotContext, ticket: TicketView, chat_id: int, message_id: int, card: Card) -> None:
    """The card just posted (or posted again in a recreated topic) is the one to edit from now on."""
    async with transaction(ctx.sessions) as session:
        query = select(TelegramCard).where(col(TelegramCard.ticket_id) == ticket.id)
        row = (await session.execute(query)).scalar_one_or_none() or TelegramCard(
            ticket_id=ticket.id, chat_id=chat_id, message_id=message_id
        )
        row.chat_id, row.message_id, row.rendered, row.updated_at = chat_id, message_id, card.signature(), utcnow()
        session.add(row)
