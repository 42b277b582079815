"""WhatsApp Cloud API channel: webhook in, Graph API out, tickets answered from the agents' desk."""

from __future__ import annotations

import json

import httpx

from channels.base import ChannelPlugin
from channels.whatsapp.adapter import CHANNEL, WhatsAppAdapter
from channels.whatsapp.graph import GraphClient
from channels.whatsapp.inbound import InboundHandler
from channels.whatsapp.payload import parse_batch
from channels.whatsapp.settings import WhatsAppSettings
from channels.whatsapp.webhook import WEBHOOK_PATH, webhook_door, webhook_router
from core.messages import InboundMessage
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

    async def handle(payload: str) -> list[InboundMessage]:
        # The handler reaches the desk itself: files are downloaded, receipts recorded, notices sent.
        await handler.handle(parse_batch(json.loads(payload)))
        return []

    # Calls stored by the webhook (also those left by a crash) are handled by the core inbox's worker.
    services.inbox.register(CHANNEL, handle)

    async def stop() -> None:
        await client.aclose()

    return ChannelPlugin(
        name=CHANNEL,
        adapters={
            CHANNEL: WhatsAppAdapter(graph, services.sessions, services.files, whatsapp, settings.default_language)
        },
        router=webhook_router(whatsapp),
        doors={WEBHOOK_PATH: webhook_door(whatsapp, services.inbox)},
        stop=stop,
    )
