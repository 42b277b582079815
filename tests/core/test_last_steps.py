"""core.db.at_commit: a transaction's last step runs after everything else, before the commit, or the commit fails."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import at_commit, transaction
from core.models import Contact
from core.services import Services


async def test_a_last_step_runs_after_the_rest_is_flushed_and_before_the_commit(services: Services) -> None:
    seen: list[tuple[bool, bool]] = []

    async def step(session: AsyncSession) -> None:
        seen.append((session.in_transaction(), not session.new))  # still open; the contact already written

    async with transaction(services.sessions) as session:
        at_commit(session, step)
        session.add(Contact(name="Carol"))
    assert seen == [(True, True)]


async def test_a_session_with_a_last_step_cannot_be_committed_another_way(services: Services) -> None:
    async def step(session: AsyncSession) -> None:
        raise AssertionError("not run outside core.db.transaction")

    async with services.sessions() as session:
        at_commit(session, step)
        with pytest.raises(RuntimeError, match="at_commit"):
            await session.commit()
