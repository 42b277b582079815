"""Channels' WebSockets and webhooks, served ahead of the router.

Thousands of sockets stay open, and each layer costs memory; webhooks come in bursts, and each
layer costs time (FastAPI's routing, exit stacks and dependency solving were a quarter of a
Telegram acknowledgement's CPU)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from channels.base import SocketEndpoint
from platforms.http_guard import Door


class ChannelDoors:
    """Hands a socket on a channel's path, or a POST to a channel's webhook, straight to its endpoint.

    Installed inside the service's own middlewares (request ids, socket counting), so those still see
    every request; the exception middleware, FastAPI's exit stacks and the routers are skipped, whose
    frames would otherwise stay alive for as long as each socket is open (~6 KiB per socket). Other
    methods on a webhook's path (WhatsApp's GET handshake) go on to the routers."""

    def __init__(self, app: ASGIApp, sockets: dict[str, SocketEndpoint], doors: dict[str, Door]) -> None:
        self.app, self.sockets, self.doors = app, sockets, doors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http" and scope["method"] == "POST" and (door := self.doors.get(scope["path"])) is not None:
            response = await door(Request(scope, receive, send))
            await response(scope, receive, send)
            return
        endpoint = self.sockets.get(scope["path"]) if kind == "websocket" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        await endpoint(WebSocket(scope, receive, send))
