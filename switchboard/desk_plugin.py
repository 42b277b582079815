"""The agents' desk tools as a plugin: the "phone" channel of requests taken by phone, and the daily
digest (DIGEST_TIME) and the suggestions channel's status updates (SUGGESTIONS_CHANNEL_ID)."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from pydantic_settings import BaseSettings

from channels.base import ChannelPlugin
from core.delivery import ChannelAdapter
from core.digest import DigestLoop
from core.loop import WakeableLoop, background
from core.phone import PHONE, PhoneAdapter
from core.services import Services
from core.suggestions import SuggestionLoop


def desk_plugin(services: Services, _settings: BaseSettings) -> ChannelPlugin:
    settings = services.settings
    adapters: dict[str, ChannelAdapter] = {PHONE: PhoneAdapter(settings.default_language)}
    loops: list[WakeableLoop] = []
    if settings.digest_time:
        digest = DigestLoop(
            services.sessions,
            at=time.fromisoformat(settings.digest_time),
            zone=ZoneInfo(settings.digest_timezone),
            language=settings.default_language,
            interval=settings.timers_poll_interval,
            on_queued=services.desk.on_queued,
        )
        loops.append(digest)
    if settings.suggestions_channel_id is not None:
        suggestions = SuggestionLoop(
            services.sessions,
            settings.suggestions_channel_id,
            interval=settings.timers_poll_interval,
            on_queued=services.desk.on_queued,
        )
        loops.append(suggestions)
    hooks = [background(loop.name, loop.run) for loop in loops]

    async def start() -> None:
        for begin, _ in hooks:
            await begin()

    async def stop() -> None:
        for _, end in hooks:
            await end()

    return ChannelPlugin(name="desk", adapters=adapters, start=start, stop=stop)
