"""The public suggestions channel: feature requests agents approve (`/publish`) and their later status.

Publishing queues the post; a loop then compares each published ticket's status with the one the
channel shows and queues an edit when they differ. The compare-and-set on `SuggestionPost.status`
in the transaction that queues the edit makes each change go out once, whatever instance sees it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import String, cast, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.db import SessionFactory, transaction
from core.desk_models import SuggestionPost
from core.loop import WakeableLoop
from core.messages import AGENT_DESK, OutboundMessage
from core.models import Ticket, TicketStatus, TicketType
from core.outbox import enqueue
from core.staff import Agent
from core.tickets import TicketError

EVENT = "suggestion"
BATCH = 200


class PublishError(TicketError):
    pass


def address(number: int) -> str:
    return f"{EVENT}:{number}"


def _announce(session: AsyncSession, ticket: Ticket, channel_id: int, *, first: bool) -> None:
    enqueue(
        session,
        OutboundMessage(
            channel=AGENT_DESK,
            address=address(ticket.number),
            kind=EVENT,
            ticket_id=ticket.id,
            language=ticket.language,
            meta={
                "chat_id": channel_id,
                "number": ticket.number,
                "subject": ticket.subject,
                "description": ticket.description,
                "status": TicketStatus(ticket.status).value,
                "first": first,
            },
        ),
    )


async def publish(session: AsyncSession, ticket: Ticket, agent: Agent, channel_id: int | None) -> bool:
    """Post a feature request in the suggestions channel; its status follows there from now on."""
    if channel_id is None:
        raise PublishError("no suggestions channel is configured (SUGGESTIONS_CHANNEL_ID)")
    if ticket.type != TicketType.FEATURE_REQUEST:
        raise PublishError(f"#{ticket.number} is not a feature request; only those are published")
    query = select(SuggestionPost.id).where(col(SuggestionPost.ticket_id) == ticket.id)
    if (await session.execute(query)).scalar_one_or_none() is not None:
        raise PublishError(f"#{ticket.number} is already published")
    status = TicketStatus(ticket.status).name  # as the ticket's enum column stores it, for the loop to compare
    session.add(SuggestionPost(ticket_id=ticket.id or 0, status=status, published_by=agent.name))
    _announce(session, ticket, channel_id, first=True)
    return True


class SuggestionLoop(WakeableLoop):
    name = "suggestions"

    def __init__(
        self,
        sessions: SessionFactory,
        channel_id: int,
        *,
        interval: float = 15.0,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(interval)
        self.sessions, self.channel_id, self.on_queued = sessions, channel_id, on_queued

    async def run_once(self) -> int:
        """Queue an edit for every published suggestion whose ticket changed status; how many."""
        changed = (
            select(SuggestionPost.id, SuggestionPost.status, Ticket.status)
            .join(Ticket, col(Ticket.id) == SuggestionPost.ticket_id)
            .where(col(SuggestionPost.status) != cast(Ticket.status, String))
        )
        async with self.sessions() as session:
            rows = (await session.execute(changed.limit(BATCH))).all()
        sent = 0
        for post_id, shown, status in rows:
            async with transaction(self.sessions) as session:
                claimed = await session.execute(
                    update(SuggestionPost)
                    .where(col(SuggestionPost.id) == post_id, col(SuggestionPost.status) == shown)
                    .values(status=TicketStatus(status).name)
                )
                if not claimed.rowcount:  # type: ignore[attr-defined]
                    continue  # another instance posted this change
                post = await session.get(SuggestionPost, post_id)
                ticket = await session.get(Ticket, post.ticket_id) if post else None
                assert ticket is not None
                _announce(session, ticket, self.channel_id, first=False)
                sent += 1
        if sent:
            self.on_queued()
        return sent
