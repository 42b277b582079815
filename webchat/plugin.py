from __future__ import annotations

from fastapi import APIRouter

from channels.base import ChannelPlugin
from core.services import Services
from webchat import http, socket
from webchat.adapter import WebchatAdapter
from webchat.events import CHANNEL


def webchat_plugin(services: Services) -> ChannelPlugin:
    """The widget needs no settings, so it is always on: a fresh install has something to click."""
    router = APIRouter()
    router.include_router(http.router)
    router.include_router(socket.router)
    adapter = WebchatAdapter(services.sessions, services.fanout)
    return ChannelPlugin(name=CHANNEL, adapters={CHANNEL: adapter}, router=router)
