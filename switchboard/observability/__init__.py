"""Metrics, structured logs and request ids; `install` wires them into the app."""

from __future__ import annotations

from switchboard.observability.setup import install

__all__ = ["install"]
