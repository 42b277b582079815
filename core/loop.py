from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class WakeableLoop:
    """A background pass that runs again at once while it finds work, else on `wake()` or a poll."""

    name = "background"

    def __init__(self, poll_interval: float) -> None:
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something is waiting: look now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """One pass; the number of items it handled (0 means: wait before the next)."""
        raise NotImplementedError

    async def run(self) -> None:
        while True:
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("%s pass failed; retrying after a pause", self.name)
                handled = 0
            if handled:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            except TimeoutError:
                pass
            self._wake.clear()
