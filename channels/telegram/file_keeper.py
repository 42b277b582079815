"""Copies customers' Telegram files into the file store, in the background, so backups hold them.

Files arrive as Telegram file ids only (forwarded inside Telegram, never through us); once a ticket
has them, this loop asks getFile and downloads `<api>/file/bot<token>/<path>`, within the size
limit, retrying failures with a growing pause. The conversation never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter

from channels.base import ChannelPlugin
from core.desk import Desk
from core.files import FileStore
from core.loop import WakeableLoop
from platforms.telegram.messages import FILE_REF

log = logging.getLogger(__name__)

# getFile of the public Bot API serves files up to 20 MB.
BOT_API_LIMIT = 20 * 1024 * 1024


class TooBig(Exception):
    pass


class FileKeeper(WakeableLoop):
    name = "telegram file keeper"

    def __init__(
        self,
        bot: Bot,
        desk: Desk,
        files: FileStore,
        *,
        api_url: str,
        max_size: int,
        poll_interval: float = 30.0,
    ) -> None:
        super().__init__(poll_interval)
        self.bot, self.desk, self.files = bot, desk, files
        self.api_url, self.max_size = api_url.rstrip("/"), min(max_size, BOT_API_LIMIT)
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    def attach(self, plugin: ChannelPlugin, desk: Desk) -> None:
        """Run beside the plugin's own start/stop, and look as soon as the desk has stored something."""
        start, stop, on_queued = plugin.start, plugin.stop, desk.on_queued

        async def start_both() -> None:
            if start is not None:
                await start()
            await self.start()

        async def stop_both() -> None:
            await self.stop()
            if stop is not None:
                await stop()

        def queued() -> None:
            on_queued()
            self.wake()

        plugin.start, plugin.stop, desk.on_queued = start_both, stop_both, queued

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        self._task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def run_once(self) -> int:
        """Copy the attachments due now; how many were tried."""
        attachments = await self.desk.files_to_copy(FILE_REF)
        for attachment in attachments:
            assert attachment.external_ref is not None
            await self.copy(attachment.id, attachment.external_ref.removeprefix(FILE_REF), attachment.size)
        return len(attachments)

    async def copy(self, attachment_id: int, file_id: str, size: int | None) -> None:
        if size is not None and size > self.max_size:
            await self.desk.file_copy_failed(attachment_id, f"{size} bytes: over the limit", permanent=True)
            return
        try:
            content = await self.download(file_id)
        except (TooBig, TelegramBadRequest) as error:  # too big, or a file id Telegram no longer knows
            await self.desk.file_copy_failed(attachment_id, str(error), permanent=True)
        except (TelegramRetryAfter, TelegramNetworkError, httpx.HTTPError) as error:
            log.warning("telegram file of attachment %s will be retried: %s", attachment_id, type(error).__name__)
            await self.desk.file_copy_failed(attachment_id, type(error).__name__)
        else:
            key = await asyncio.to_thread(self.files.put, content)
            await self.desk.file_copied(attachment_id, key, len(content))

    async def download(self, file_id: str) -> bytes:
        assert self._client is not None
        info = await self.bot.get_file(file_id)
        if info.file_size is not None and info.file_size > self.max_size:
            raise TooBig(f"{info.file_size} bytes: over the limit")
        if not info.file_path:
            raise TooBig("Telegram gave no file path")
        url = f"{self.api_url}/file/bot{self.bot.token}/{info.file_path}"
        chunks, total = [], 0
        async with self._client.stream("GET", url) as response:
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > self.max_size:
                    raise TooBig(f"over {self.max_size} bytes")
                chunks.append(chunk)
        return b"".join(chunks)
