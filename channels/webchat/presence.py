"""Whether a visitor has a widget socket open on any instance: their replies are mailed only when not.

Each process counts its own sockets per visitor in memory (free for the thousands open at once).
For visitors who left an e-mail, the only ones it matters for, the database holds `online_until`:
set when their first local socket opens, renewed while one stays open, cleared when the last one
closes. A process that dies stops renewing, and its visitors count as away once the lease ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col

from channels.webchat.models import WebchatVisitor
from core.db import SessionFactory, transaction
from core.timeutil import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=90)
RENEW_EVERY = LEASE.total_seconds() / 3
CHUNK = 500


def online(visitor: WebchatVisitor, now: datetime) -> bool:
    return visitor.online_until is not None and visitor.online_until > now


class Presence:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions
        self.sockets: Counter[int] = Counter()
        # Visitors of this process's sockets whose presence the database keeps (they left an e-mail).
        self.watched: set[int] = set()

    async def join(self, visitor: WebchatVisitor) -> None:
        assert visitor.id is not None
        self.sockets[visitor.id] += 1
        if visitor.email:
            await self.watch(visitor.id)

    async def watch(self, visitor_id: int) -> None:
        """Keep this visitor's presence in the database from now on (they just left an e-mail)."""
        self.watched.add(visitor_id)
        if self.sockets[visitor_id] > 0:
            await self._mark([visitor_id], utcnow() + LEASE)

    async def leave(self, visitor: WebchatVisitor) -> None:
        assert visitor.id is not None
        self.sockets[visitor.id] -= 1
        if self.sockets[visitor.id] > 0:
            return
        del self.sockets[visitor.id]
        if visitor.id in self.watched:
            self.watched.discard(visitor.id)
            # Another instance holding a socket of the same visitor sets it again within RENEW_EVERY.
            await self._mark([visitor.id], None)

    async def run(self) -> None:
        """Renew the leases of this process's visitors until cancelled."""
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await self.renew()
            except Exception:
                log.exception("web chat: renewing visitors' presence failed")

    async def renew(self) -> None:
        # Every visitor with a socket here, not only the watched: one whose socket opened before they
        # left an e-mail in a tab served by another instance is watched from now on.
        ids, until = list(self.sockets), utcnow() + LEASE
        for start in range(0, len(ids), CHUNK):
            async with transaction(self.sessions) as session:
                renewed = await session.execute(
                    update(WebchatVisitor)
                    .where(
                        col(WebchatVisitor.id).in_(ids[start : start + CHUNK]), col(WebchatVisitor.email).is_not(None)
                    )
                    .values(online_until=until)
                    .returning(col(WebchatVisitor.id))
                )
                self.watched.update(v for v in renewed.scalars() if v is not None and self.sockets[v] > 0)

    async def close(self) -> None:
        """This process stops: its visitors are away unless another instance holds them."""
        ids, self.watched = list(self.watched), set()
        try:
            await self._mark(ids, None)
        except Exception:
            log.exception("web chat: clearing visitors' presence failed; their leases run out instead")

    async def _mark(self, ids: list[int], until: datetime | None) -> None:
        for start in range(0, len(ids), CHUNK):
            async with transaction(self.sessions) as session:
                await session.execute(
                    update(WebchatVisitor)
                    .where(col(WebchatVisitor.id).in_(ids[start : start + CHUNK]))
                    .values(online_until=until)
                )
