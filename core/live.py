"""Where a customer's open chat windows (web-chat sockets) listen for live events on the fan-out."""

from __future__ import annotations


def conversation_topic(channel: str, address: str) -> str:
    """The fan-out topic that a customer's live connections (web-chat sockets) listen on."""
    return f"conversation:{channel}:{address}"
