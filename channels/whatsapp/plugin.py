"""WhatsApp Cloud API channel: webhook in, Graph API out, tickets answered from the agents' desk."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from channels.base import ChannelPlugin
from channels.whatsapp.adapter import CHANNEL, WhatsAppAdapter
from channels.whatsapp.graph import GraphClient
from channels.whatsapp.inbound import InboundHandler
from channels.whatsapp.inbox import Inbox
from channels.whatsapp.settings import WhatsAppSettings
from channels.whatsapp.webhook import webhook_router
from core.delivery import RetryPolicy
from core.services import Services


def whatsapp_plugin(services: Services, whatsapp: WhatsAppSettings) -> ChannelPlugin | None:
    """Off while WHATSAPP_ACCESS_TOKEN is empty; refuses to start half-configured."""
    settings = services.settings
    if not whatsapp.access_token:
        return None
    whatsapp.check()
    client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
    graph = GraphClient(
        client,
        base_url=whatsapp.api_url,
        token=whatsapp.access_token,
        phone_number_id=whatsapp.phone_number_id,
    )
    handler = InboundHandler(
        services.desk,
        graph,
        phone_number_id=whatsapp.phone_number_id,
        max_file_size=settings.max_file_size,
    )
    policy = RetryPolicy(
        base_delay=settings.outbox_retry_base,
        max_delay=settings.outbox_retry_max_delay,
        max_attempts=settings.outbox_max_attempts,
    )
    inbox = Inbox(services.sessions, handler.handle, policy=policy, poll_interval=settings.outbox_poll_interval)
    task: asyncio.Task[None] | None = None

    async def start() -> None:
        nonlocal task
        # Also picks up calls stored before a crash or restart.
        task = asyncio.create_task(inbox.run(), name="whatsapp-inbox")

    async def stop() -> None:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await client.aclose()

    return ChannelPlugin(
        name=CHANNEL,
        adapters={
            CHANNEL: WhatsAppAdapter(graph, services.sessions, services.files, whatsapp, settings.default_language)
        },
        router=webhook_router(whatsapp, inbox),
        start=start,
        stop=stop,
    )
