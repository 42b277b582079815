"""The agents' desk tools as a plugin: the "phone" channel of requests taken by phone, and the daily
digest loop (DIGEST_TIME, off while no time is set)."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from pydantic_settings import BaseSettings

from channels.base import ChannelPlugin
from core.delivery import ChannelAdapter
from core.digest import DigestLoop
from core.phone import PHONE, PhoneAdapter
from core.services import Services
from switchboard.background import background


def desk_plugin(services: Services, _settings: BaseSettings) -> ChannelPlugin:
    settings = services.settings
    adapters: dict[str, ChannelAdapter] = {PHONE: PhoneAdapter(settings.default_language)}
    if not settings.digest_time:
        return ChannelPlugin(name="desk", adapters=adapters)
    loop = DigestLoop(
        services.sessions,
        at=time.fromisoformat(settings.digest_time),
        zone=ZoneInfo(settings.digest_timezone),
        language=settings.default_language,
        interval=settings.timers_poll_interval,
        on_queued=services.desk.on_queued,
    )
    start, stop = background("digest", loop.run)
    return ChannelPlugin(name="desk", adapters=adapters, start=start, stop=stop)
