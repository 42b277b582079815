"""Channels' WebSockets, served ahead of the router: thousands stay open, and each layer costs memory."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from channels.base import SocketEndpoint


class SocketRoutes:
    """Hands a socket on a channel's path straight to its endpoint.

    Installed inside the service's own middlewares (request ids, socket counting), so those still see
    every socket; the exception middleware, FastAPI's exit stacks and the routers are skipped, whose
    frames would otherwise stay alive for as long as each socket is open (~6 KiB per socket)."""

    def __init__(self, app: ASGIApp, sockets: dict[str, SocketEndpoint]) -> None:
        self.app, self.sockets = app, sockets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.sockets.get(scope["path"]) if scope["type"] == "websocket" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        await endpoint(WebSocket(scope, receive, send))
