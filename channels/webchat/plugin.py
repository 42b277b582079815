from __future__ import annotations

from fastapi import APIRouter

from channels.base import ChannelPlugin, SocketEndpoint
from channels.webchat import http, socket
from channels.webchat.adapter import WebchatAdapter
from channels.webchat.events import CHANNEL
from channels.webchat.inbound import parser
from channels.webchat.presence import Presence
from channels.webchat.settings import WebchatSettings
from core.loop import background
from core.services import Services


def webchat_plugin(services: Services, settings: WebchatSettings) -> ChannelPlugin:
    """The widget needs no settings, so it is always on: a fresh install has something to click.

    Its handlers read `settings` from the running app (`channels.webchat.settings.of_app`)."""
    router = APIRouter()
    router.include_router(http.router)
    adapter = WebchatAdapter(services.sessions, services.fanout, services.desk, services.adapters)
    # The widget shows the whole conversation: a visitor's reply by mail is copied into it too.
    services.desk.echo_channels |= {CHANNEL}
    services.inbox.register(CHANNEL, parser(services.files))
    presence = Presence(services.sessions)
    # Served ahead of the routers (switchboard.sockets): every open socket would hold their frames.
    sockets: dict[str, SocketEndpoint] = {"/webchat/ws": socket.endpoint(presence)}
    start, stop_renewing = background("webchat-presence", presence.run)

    async def stop() -> None:
        await stop_renewing()
        await presence.close()

    return ChannelPlugin(
        name=CHANNEL, adapters={CHANNEL: adapter}, router=router, sockets=sockets, start=start, stop=stop
    )
