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
from channels.whatsapp.webhook import webhook_router
from core.delivery import RetryPolicy
from core.services import Services
from core.settings import Settings


class WhatsAppSettingsError(ValueError):
    pass


def check_settings(settings: Settings) -> None:
    missing = [
        name
        for name, value in (
            ("WHATSAPP_PHONE_NUMBER_ID", settings.whatsapp_phone_number_id),
            ("WHATSAPP_APP_SECRET", settings.whatsapp_app_secret),
        )
        if not value
    ]
    if missing:
        raise WhatsAppSettingsError(f"WHATSAPP_ACCESS_TOKEN is set, so WhatsApp also needs {', '.join(missing)}")


def whatsapp_plugin(services: Services) -> ChannelPlugin | None:
    """Off while WHATSAPP_ACCESS_TOKEN is empty; refuses to start half-configured."""
    settings = services.settings
    if not settings.whatsapp_access_token:
        return None
    check_settings(settings)
    client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=10.0))
    graph = GraphClient(
        client,
        base_url=settings.whatsapp_api_url,
        token=settings.whatsapp_access_token,
        phone_number_id=settings.whatsapp_phone_number_id,
    )
    handler = InboundHandler(
        services.desk,
        graph,
        phone_number_id=settings.whatsapp_phone_number_id,
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
        adapters={CHANNEL: WhatsAppAdapter(graph, services.sessions, services.files, settings)},
        router=webhook_router(settings, inbox),
        start=start,
        stop=stop,
    )
