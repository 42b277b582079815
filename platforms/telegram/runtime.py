"""Getting updates: long polling in a background task, or a webhook when PUBLIC_URL is set."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.types import Update

from platforms.telegram.context import BotContext

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_PATH = "/telegram/webhook"


class TelegramRuntime:
    def __init__(
        self, ctx: BotContext, dispatcher: Dispatcher, *, public_url: str, webhook_secret: str, poll_timeout: int = 25
    ) -> None:
        self.ctx, self.dispatcher, self.public_url, self.poll_timeout = ctx, dispatcher, public_url, poll_timeout
        # Without a configured secret the webhook still gets one: nobody else may post updates.
        self.webhook_secret = webhook_secret or secrets.token_urlsafe(32)
        self._poller: asyncio.Task[None] | None = None
        # Keeps a received update (parsed, and the JSON text to store) durably
        # (platforms/telegram/updates.py: the core inbox); until one is set, updates are handled at once.
        self.accept: Callable[[dict[str, Any], str], Awaitable[None]] | None = None

    @property
    def bot(self) -> Bot:
        return self.ctx.bot

    async def start(self) -> None:
        if self.ctx.agent_chat_id is not None:
            await self._detect_forum()
        if self.public_url:
            await self.bot.set_webhook(
                self.public_url + WEBHOOK_PATH, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
            )
            log.info("telegram: webhook mode")
        else:
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(self._poll(), name="telegram-polling")
            log.info("telegram: long polling")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await self.bot.session.close()

    async def _detect_forum(self) -> None:
        assert self.ctx.agent_chat_id is not None
        try:
            chat = await self.bot.get_chat(self.ctx.agent_chat_id)
        except (TelegramAPIError, TelegramNetworkError) as error:
            log.warning("telegram: cannot look up the agents' group (%s); assuming forum topics", error)
            return
        self.ctx.forum = bool(chat.is_forum)
        if not self.ctx.forum:
            log.warning("telegram: the agents' group has topics off; tickets are told apart by replies")

    async def handle(self, update: Update) -> None:
        await self.dispatcher.feed_update(self.bot, update)

    async def _poll(self) -> None:
        offset: int | None = None
        failures = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    timeout=self.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    request_timeout=self.poll_timeout + 10,
                )
                failures = 0
            except (TelegramAPIError, TelegramNetworkError) as error:
                failures += 1
                log.warning("telegram: getUpdates failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(min(0.5 * 2**failures, 30))
                continue
            if self.accept is not None and updates:
                try:
                    accept = self.accept
                    dumped = [u.model_dump(mode="json", exclude_unset=True) for u in updates]
                    await asyncio.gather(*(accept(d, json.dumps(d, ensure_ascii=False)) for d in dumped))
                except Exception:
                    # Not stored: the same updates come again with the same offset.
                    log.exception("telegram: storing %s updates failed; fetching them again", len(updates))
                    await asyncio.sleep(1)
                    continue
                offset = updates[-1].update_id + 1
                continue
            for update in updates:
                await self._handle_with_retries(update)
                offset = update.update_id + 1

    async def _handle_with_retries(self, update: Update, attempts: int = 3) -> None:
        # Handling is idempotent (receipts), so trying again is safe; a poison update is logged and skipped.
        for attempt in range(1, attempts + 1):
            try:
                await self.handle(update)
                return
            except Exception:
                log.exception("telegram: update %s failed (attempt %s of %s)", update.update_id, attempt, attempts)
                await asyncio.sleep(0.2 * attempt)
