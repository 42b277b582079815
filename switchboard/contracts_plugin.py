"""Contracts and SLA as a plugin: the status page route and the durable-timer loop."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from channels.base import ChannelPlugin
from core.loop import background
from core.services import Services
from core.timers import TimerLoop
from switchboard import statuspage


def contracts_plugin(services: Services, _settings: BaseSettings) -> ChannelPlugin:
    """Always on: SLA timers, auto-close and broadcast reports run in every instance (they fire once).

    It reads the core's settings only (registered with `NoSettings`)."""
    settings = services.settings
    loop = TimerLoop(
        services.sessions,
        auto_close_days=settings.auto_close_days,
        interval=settings.timers_poll_interval,
        on_queued=services.desk.on_queued,
    )
    start, stop = background("timers", loop.run)
    return ChannelPlugin(name="contracts", router=statuspage.router, start=start, stop=stop)
