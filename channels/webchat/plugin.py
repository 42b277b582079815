from __future__ import annotations

from fastapi import APIRouter

from channels.base import ChannelPlugin
from channels.webchat import http, socket
from channels.webchat.adapter import WebchatAdapter
from channels.webchat.events import CHANNEL
from channels.webchat.settings import WebchatSettings
from core.services import Services


def webchat_plugin(services: Services, settings: WebchatSettings) -> ChannelPlugin:
    """The widget needs no settings, so it is always on: a fresh install has something to click.

    Its handlers read `settings` from the running app (`channels.webchat.settings.of_app`)."""
    router = APIRouter()
    router.include_router(http.router)
    # A plain Starlette route on this router, not an included one: FastAPI's dependency machinery
    # and each level of router nesting hold frames for as long as every socket stays open.
    router.add_websocket_route("/webchat/ws", socket.webchat_socket)
    adapter = WebchatAdapter(services.sessions, services.fanout)
    return ChannelPlugin(name=CHANNEL, adapters={CHANNEL: adapter}, router=router)
