from __future__ import annotations

from channels.base import ChannelPlugin
from core.services import Services


def whatsapp_plugin(services: Services) -> ChannelPlugin | None:
    """Off until WHATSAPP_ACCESS_TOKEN is set (not built yet: issue 4)."""
    return None
