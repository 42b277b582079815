from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy import select

from core.db import create_engine
from core.desk import Agent
from core.migrate import upgrade
from core.models import OutboxMessage, Ticket
from core.services import Services
from core.settings import Settings
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.support.contracts import off_loop, office_levels
from tests.support.customers import CoreCustomer
from tests.support.servers import free_port, serve

ANNA = Agent("Anna", "7")


@pytest.fixture
async def site(make_settings: Callable[..., AppSettings]) -> AsyncIterator[tuple[str, Settings]]:
    """The real app on 127.0.0.1 with PUBLIC_URL pointing at it."""
    port = free_port()
    settings = make_settings(public_url=f"http://127.0.0.1:{port}").core
    engine = create_engine(settings.resolved_database_url)
    try:
        await upgrade(engine)  # as `switchboard migrate` would; PostgreSQL is not migrated by serve
    finally:
        await engine.dispose()
    async with serve(build_app(settings), port=port) as url:
        yield url, settings


async def as_second_instance(settings: Settings, subject: str, language: str, agent_work: bool) -> tuple[Ticket, str]:
    """A customer and an agent on the core of another instance on the same database; the ticket and its creation reply."""

    async def work() -> tuple[Ticket, str]:
        core = Services.build(settings)
        try:
            customer = CoreCustomer(core, "ivan" if language == "ru" else "alice", language=language)
            ticket = await customer.open_ticket(subject, description="Black screen <script>alert(1)</script>")
            if agent_work:
                await core.desk.reply(ticket.number, ANNA, "We are checking <the> recorder")
                await core.desk.note(ticket.number, ANNA, "INTERNAL: customer owes us money")
                await core.desk.solve(ticket.number, ANNA, "Replaced the HDD")
            async with core.sessions() as session:
                query = select(OutboxMessage).where(
                    OutboxMessage.ticket_id == ticket.id, OutboxMessage.channel == "test"
                )
                created = (await session.execute(query.order_by(OutboxMessage.id))).scalars().first()
            assert created is not None
            return ticket, created.payload["text"]
        finally:
            await core.engine.dispose()

    return await off_loop(work)


async def test_the_status_page_shows_the_ticket_and_only_public_messages(site: tuple[str, Settings]) -> None:
    url, settings = site
    ticket, created = await as_second_instance(settings, "<b>Recorder</b> & co", "en", agent_work=True)
    link = created.rsplit("Status page: ", 1)[1]
    assert link == f"{url}/t/{ticket.public_token}" and len(ticket.public_token or "") >= 32

    async with httpx.AsyncClient() as client:
        page = await client.get(link)
        missing = await client.get(f"{url}/t/{'x' * 32}", headers={"Accept-Language": "ru-RU"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert f"Request #{ticket.number}" in html and "Incident" in html and "Solution provided" in html
    assert "&lt;b&gt;Recorder&lt;/b&gt; &amp; co" in html and "<b>Recorder" not in html
    assert "We are checking &lt;the&gt; recorder" in html and "Replaced the HDD" in html
    assert "INTERNAL" not in html
    assert missing.status_code == 404 and "Такой страницы статуса нет" in missing.text


async def test_the_page_speaks_the_customers_language(site: tuple[str, Settings]) -> None:
    url, settings = site
    ticket, created = await as_second_instance(settings, "Не работает запись", "ru", agent_work=False)
    assert "Страница статуса: " in created
    async with httpx.AsyncClient() as client:
        page = await client.get(f"{url}/t/{ticket.public_token}", headers={"Accept-Language": "en"})
    assert f"Обращение №{ticket.number}" in page.text and "Статус" in page.text and "Новое" in page.text


async def test_the_page_shows_the_conversation_not_the_intake_steps(site: tuple[str, Settings]) -> None:
    url, settings = site

    async def work() -> Ticket:
        core = Services.build(settings)
        try:
            customer = CoreCustomer(core, "alice")
            ticket = await customer.open_ticket("Export button", type="type:feature_request", description="Add CSV")
            await core.desk.reply(ticket.number, ANNA, "Planned for May")
            await customer.say("Great, thanks")
            return ticket
        finally:
            await core.engine.dispose()

    ticket = await off_loop(work)
    async with httpx.AsyncClient() as client:
        html = (await client.get(f"{url}/t/{ticket.public_token}")).text
    history = html.split("<ol>", 1)[1]
    entries = history.count("<li>")
    assert "Add CSV" in history and "Planned for May" in history and "Great, thanks" in history
    assert entries == 3, history
    assert "hello" not in history and "Export button" not in history


async def test_the_page_says_when_the_first_response_is_expected(site: tuple[str, Settings]) -> None:
    url, settings = site

    async def work() -> Ticket:
        core = Services.build(settings)
        try:
            await office_levels(core, default="premium")  # 24/7: incidents answered within 30 min
            return await CoreCustomer(core, "alice").open_ticket()
        finally:
            await core.engine.dispose()

    ticket = await off_loop(work)
    async with httpx.AsyncClient() as client:
        html = (await client.get(f"{url}/t/{ticket.public_token}")).text
    assert '<p class="expected">First response expected by ' in html and "(UTC+0)" in html
