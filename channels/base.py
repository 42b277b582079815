from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import APIRouter, WebSocket

from core.delivery import ChannelAdapter
from platforms.http_guard import Door

SocketEndpoint = Callable[[WebSocket], Awaitable[None]]


@dataclass
class ChannelPlugin:
    """What a configured channel brings to the service: adapters, HTTP routes, background work."""

    name: str
    adapters: dict[str, ChannelAdapter] = field(default_factory=dict)
    router: APIRouter | None = None
    # WebSocket endpoints by path, served ahead of the routers (switchboard.sockets): cheaper per socket.
    sockets: dict[str, SocketEndpoint] = field(default_factory=dict)
    # POST endpoints by path (webhooks), served ahead of the routers too: each acknowledgement is cheaper.
    doors: dict[str, Door] = field(default_factory=dict)
    start: Callable[[], Awaitable[None]] | None = None
    stop: Callable[[], Awaitable[None]] | None = None
