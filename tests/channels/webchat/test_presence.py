"""Whether a visitor counts as connected, as the database keeps it for every instance to read."""

from __future__ import annotations

from sqlmodel import col, select

from channels.webchat import away, visitors
from channels.webchat.models import WebchatVisitor
from channels.webchat.presence import Presence, online
from core.services import Services
from core.settings import Settings
from core.timeutil import utcnow


async def stored(services: Services, visitor_id: int | None) -> WebchatVisitor:
    async with services.sessions() as session:
        row = (await session.execute(select(WebchatVisitor).where(col(WebchatVisitor.id) == visitor_id))).scalar_one()
    return row


async def confirmed(services: Services, visitor: WebchatVisitor, address: str) -> WebchatVisitor:
    """The visitor left `address` and its owner opened the link mailed there."""
    token = await away.answer(services.sessions, visitor, address)
    assert isinstance(token, str)
    assert await away.confirm(services.sessions, token) == address
    return await stored(services, visitor.id)


async def test_only_visitors_with_an_email_are_written_and_the_last_socket_clears_them(
    migrated: Settings, services: Services
) -> None:
    presence = Presence(services.sessions)
    plain, _ = await visitors.create(services.sessions)
    unconfirmed, _ = await visitors.create(services.sessions)
    await away.answer(services.sessions, unconfirmed, "bob@switchboard.test")  # left, never confirmed
    mailed, _ = await visitors.create(services.sessions)
    mailed = await confirmed(services, mailed, "alice@switchboard.test")
    for visitor in (plain, unconfirmed, mailed, mailed):  # two tabs of the last
        await presence.join(visitor)
    await presence.renew()
    assert (await stored(services, plain.id)).online_until is None
    assert (await stored(services, unconfirmed.id)).online_until is None
    assert online(await stored(services, mailed.id), utcnow())

    await presence.leave(mailed)
    assert online(await stored(services, mailed.id), utcnow())  # one tab is still open
    await presence.leave(mailed)
    assert (await stored(services, mailed.id)).online_until is None


async def test_a_socket_opened_before_the_email_was_left_elsewhere_is_counted_from_the_next_renewal(
    migrated: Settings, services: Services
) -> None:
    presence = Presence(services.sessions)
    visitor, _ = await visitors.create(services.sessions)
    await presence.join(visitor)  # no e-mail yet: nothing written
    # Another instance's tab of the same visitor answers the question.
    await confirmed(services, await stored(services, visitor.id), "alice@switchboard.test")
    await presence.renew()
    assert online(await stored(services, visitor.id), utcnow())
    await presence.leave(visitor)
    assert (await stored(services, visitor.id)).online_until is None
