"""The daily digest for the agents' General topic, fired once per local day however many instances run.

Firing is a claim on an inbound receipt keyed by the day (`core.receipts`: insert-or-nothing) in the
transaction that queues the digest, the same compare-and-set idea as the SLA timers: an instance
that restarts, or a second one, finds the day claimed and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

from core import queues
from core.db import SessionFactory, transaction
from core.loop import WakeableLoop
from core.messages import AGENT_DESK, OutboundMessage
from core.outbox import enqueue
from core.receipts import claim_receipt
from core.timeutil import utcnow

RECEIPTS = "desk-digest"
EVENT = "digest"


class DigestLoop(WakeableLoop):
    name = "digest"

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
        super().__init__(interval)
        self.sessions, self.at, self.zone, self.language = sessions, at, zone, language
        self.on_queued = on_queued

    async def run_once(self, now: datetime | None = None) -> int:
        """Queue today's digest if its time has come and no one has; 1 if this call did."""
        now = now or utcnow()
        local = now.astimezone(self.zone)
        if local.time() < self.at:
            return 0
        async with transaction(self.sessions) as session:
            if not await claim_receipt(session, RECEIPTS, local.date().isoformat()):
                return 0
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
        return 1
