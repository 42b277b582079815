"""Which platform-only files still need a copy in the store; retries and giving up."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from core import file_copies
from core.db import transaction
from core.messages import InboundAttachment
from core.models import Attachment
from core.services import Services
from core.timeutil import utcnow
from tests.support.customers import CoreCustomer


def telegram_file(file_id: str) -> InboundAttachment:
    return InboundAttachment(kind="image", mime_type="image/jpeg", size=100, external_ref=f"telegram:{file_id}")


async def test_files_of_tickets_are_due_until_stored_and_failures_wait_then_give_up(services: Services) -> None:
    alice = CoreCustomer(services)
    await alice.say("before any ticket", files=[telegram_file("EARLY")])  # not a ticket's yet: later
    await alice.open_ticket()
    await alice.say("the screen", files=[telegram_file("A"), telegram_file("B")])
    now = utcnow()
    due = await file_copies.due(services.sessions, "telegram:", now)
    refs = [a.external_ref for a in due]
    assert refs == ["telegram:EARLY", "telegram:A", "telegram:B"]  # the first message joined the ticket
    early, first, second = (a.id or 0 for a in due)

    await file_copies.stored(services.sessions, first, "ab/abc", 100, now)
    await file_copies.failed(services.sessions, second, "network", now)
    await file_copies.failed(services.sessions, early, "too big", now, permanent=True)
    assert await file_copies.due(services.sessions, "telegram:", now) == []
    [retry] = await file_copies.due(services.sessions, "telegram:", now + timedelta(minutes=1))
    assert retry.id == second
    for attempt in range(2, file_copies.MAX_ATTEMPTS + 1):
        await file_copies.failed(services.sessions, second, "network", now + timedelta(days=attempt))
    assert await file_copies.due(services.sessions, "telegram:", now + timedelta(days=30)) == []
    async with transaction(services.sessions) as session:
        assert await file_copies.count_missing(session, "telegram:") == 2
        stored = (await session.execute(select(Attachment).where(col(Attachment.id) == first))).scalar_one()
    assert stored.storage_key == "ab/abc"
