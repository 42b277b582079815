"""The status page's form over real HTTP: solved / not solved / comment / type, and its CSRF guard."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from sqlalchemy import select
from sqlmodel import col

from core.messages import AGENT_DESK
from core.models import Message, OutboxMessage, Ticket, TicketStatus, TicketType
from core.services import Services
from core.settings import Settings
from core.staff import Agent
from tests.support.contracts import off_loop
from tests.support.customers import CoreCustomer
from tests.switchboard import test_statuspage

ANNA = Agent("Anna", "7")
site = test_statuspage.site  # the real app with PUBLIC_URL pointing at it
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


async def elsewhere(settings: Settings, work: Callable[[Services], object]) -> object:
    """Work on the core of a second instance on the same database (see off_loop)."""

    async def run() -> object:
        core = Services.build(settings)
        try:
            return await work(core)  # type: ignore[misc]
        finally:
            await core.engine.dispose()

    return await off_loop(run)


async def new_ticket(settings: Settings, *, solve: bool) -> Ticket:
    async def work(core: Services) -> Ticket:
        ticket = await CoreCustomer(core).open_ticket("Printer offline")
        if solve:
            await core.desk.solve(ticket.number, ANNA, "Restarted the spooler")
        return ticket

    return await elsewhere(settings, work)  # type: ignore[return-value]


async def stored(settings: Settings, number: int) -> tuple[Ticket, list[Message], list[OutboxMessage]]:
    async def work(core: Services) -> tuple[Ticket, list[Message], list[OutboxMessage]]:
        async with core.sessions() as session:
            ticket = (await session.execute(select(Ticket).where(col(Ticket.number) == number))).scalar_one()
            messages = list(
                (await session.execute(select(Message).where(col(Message.ticket_id) == ticket.id))).scalars()
            )
            desk = select(OutboxMessage).where(
                col(OutboxMessage.channel) == AGENT_DESK, col(OutboxMessage.ticket_id) == ticket.id
            )
            return ticket, messages, list((await session.execute(desk)).scalars())

    return await elsewhere(settings, work)  # type: ignore[return-value]


async def open_page(client: httpx.AsyncClient, url: str) -> str:
    page = await client.get(url)
    assert page.status_code == 200
    match = CSRF.search(page.text)
    assert match is not None, page.text
    cookie = page.headers["set-cookie"].lower()
    assert "samesite=strict" in cookie and "httponly" in cookie
    return match.group(1)


async def ticket_page(site: tuple[str, Settings], *, solve: bool) -> tuple[str, Settings, Ticket, str]:
    """The site, its settings, a new ticket (solved or not) and the ticket's status page."""
    base, settings = site
    ticket = await new_ticket(settings, solve=solve)
    return base, settings, ticket, f"{base}/t/{ticket.public_token}"


async def test_not_solved_reopens_with_the_comment_shown_to_the_agents(site: tuple[str, Settings]) -> None:
    base, settings, ticket, page = await ticket_page(site, solve=True)
    async with httpx.AsyncClient() as client:
        csrf = await open_page(client, page)
        answer = await client.post(page, data={"csrf": csrf, "action": "unsolved", "comment": "Still <b>jams</b>"})
        assert answer.status_code == 303 and answer.headers["location"].endswith("?done=unsolved")
        after = await client.get(base + answer.headers["location"])
        assert "support has your comment" in after.text and "Still &lt;b&gt;jams&lt;/b&gt;" in after.text
    reopened, messages, desk = await stored(settings, ticket.number)
    assert reopened.status == TicketStatus.IN_PROGRESS
    assert messages[-1].text == "Still <b>jams</b>"
    assert {"status_changed", "customer_message"} <= {row.kind for row in desk}


async def test_solved_closes_and_a_comment_is_a_customer_message(site: tuple[str, Settings]) -> None:
    _, settings, ticket, page = await ticket_page(site, solve=False)
    async with httpx.AsyncClient() as client:
        csrf = await open_page(client, page)
        await client.post(page, data={"csrf": csrf, "action": "type", "value": "consultation"})
        await client.post(page, data={"csrf": csrf, "action": "comment", "comment": "It is model X200"})
        stale = await client.post(page, data={"csrf": csrf, "action": "solved"})
        assert stale.headers["location"].endswith("?done=form.stale")  # not solved yet: nothing to confirm
    await elsewhere(settings, lambda core: core.desk.solve(ticket.number, ANNA, "Done"))
    async with httpx.AsyncClient() as client:
        csrf = await open_page(client, page)
        await client.post(page, data={"csrf": csrf, "action": "solved"})
    closed, messages, _ = await stored(settings, ticket.number)
    assert closed.status == TicketStatus.CLOSED and closed.type == TicketType.CONSULTATION
    assert "It is model X200" in [m.text for m in messages]


async def test_a_post_without_the_pages_cookie_or_token_is_refused(site: tuple[str, Settings]) -> None:
    base, settings, ticket, page = await ticket_page(site, solve=True)
    async with httpx.AsyncClient() as client:
        csrf = await open_page(client, page)
    async with httpx.AsyncClient() as other_site:  # a cross-site post: the SameSite cookie stays home
        refused = await other_site.post(page, data={"csrf": csrf, "action": "solved"})
        assert refused.status_code == 403
    async with httpx.AsyncClient(cookies={"sb_form": "0" * 64}) as forger:  # cookie and form agree, key unknown
        forged = await forger.post(page, data={"csrf": "0" * 64, "action": "solved"})
        assert forged.status_code == 403
    other = await new_ticket(settings, solve=True)
    async with httpx.AsyncClient(cookies={"sb_form": csrf}) as client:  # one page's token opens no other
        moved = await client.post(f"{base}/t/{other.public_token}", data={"csrf": csrf, "action": "solved"})
        assert moved.status_code == 403
    assert (await stored(settings, ticket.number))[0].status == TicketStatus.SOLVED
