from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import APIRouter

from core.delivery import ChannelAdapter


@dataclass
class ChannelPlugin:
    """What a configured channel brings to the service: adapters, HTTP routes, background work."""

    name: str
    adapters: dict[str, ChannelAdapter] = field(default_factory=dict)
    router: APIRouter | None = None
    start: Callable[[], Awaitable[None]] | None = None
    stop: Callable[[], Awaitable[None]] | None = None
