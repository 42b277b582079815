"""The daily digest for the agents' General topic, fired once per local day however many instances run.

Firing is a claim on an inbound receipt keyed by the day (`core.receipts`: insert-or-nothing) in the
transaction that queues the digest, the same compare-and-set idea as the SLA timers: an instance
that restarts, or a second one, finds the day claimed and sends nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from core import queues
from core.db import SessionFactory, transaction
from core.messages import AGENT_DESK, OutboundMessage
from core.outbox import enqueue
from core.receipts import claim_receipt
from core.timeutil import utcnow

log = logging.getLogger(__name__)
RECEIPTS = "desk-digest"
EVENT = "digest"


class DigestLoop:
    def __init__(
        self,
        sessions: SessionFactory,
        *,
        at: time,
        zone: ZoneInfo,
        language: str,
        interval: float = 30.0,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions, self.at, self.zone, self.language = sessions, at, zone, language
        self.interval, self.on_queued = interval, on_queued

    async def run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("digest pass failed; retrying after a pause")
            await asyncio.sleep(self.interval)

    async def run_once(self, now: datetime | None = None) -> bool:
        """Queue today's digest if its time has come and no one has; whether this call did."""
        now = now or utcnow()
        local = now.astimezone(self.zone)
        if local.time() < self.at:
            return False
        async with transaction(self.sessions) as session:
            if not await claim_receipt(session, RECEIPTS, local.date().isoformat()):
                return False
            content = await queues.digest(session, now)
            enqueue(
                session,
                OutboundMessage(
                    channel=AGENT_DESK,
                    address=EVENT,
                    kind=EVENT,
                    language=self.language,
                    meta={"day": local.date().isoformat(), **content},
                ),
            )
        self.on_queued()
        return True
