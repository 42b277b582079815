from __future__ import annotations

from channels.base import ChannelPlugin
from core.services import Services


def telegram_plugin(services: Services) -> ChannelPlugin | None:
    """Off until TELEGRAM_BOT_TOKEN is set (not built yet: issue 3)."""
    return None
