from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core import contract_file, contracts
from core.contracts import ContractError
from core.db import transaction
from core.models import Contract, Message, Ticket
from core.services import Services
from tests.support.contracts import office_levels
from tests.support.customers import CoreCustomer, texts_of


async def test_a_new_contact_is_asked_for_the_code_and_a_wrong_one_refused(gated: Services) -> None:
    alice = CoreCustomer(gated)
    [ask] = texts_of(await alice.say("Hello, the recorder is down"))
    assert "access code" in ask
    [wrong] = texts_of(await alice.say("GUESS-1"))
    assert wrong.startswith("That code was not recognised")
    [again] = texts_of(await alice.say("/new"))
    assert "access code" in again
    async with gated.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Ticket))).scalar_one() == 0
        # Refused, but nothing the customer wrote is lost.
        assert (await session.execute(select(func.count()).select_from(Message))).scalar_one() == 3


async def test_a_valid_code_links_the_organization_and_the_request_gets_its_level(gated: Services) -> None:
    alice = CoreCustomer(gated)
    await alice.say("Hello, the recorder is down")
    welcome, question = texts_of(await alice.say(" ACME-2026 "))
    assert welcome == "Thank you, Acme is recognised (level: premium)."
    assert question == "What kind of request is it?"
    await alice.say(choice="type:incident")
    await alice.say("Recorder down")
    await alice.say("Black screen")
    await alice.say(choice="nav:skip")
    async with gated.sessions() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
        first = (await session.execute(select(Message).order_by(Message.id).limit(1))).scalar_one()
    assert ticket.level == "premium" and ticket.organization_id is not None
    assert first.ticket_id == ticket.id  # the message sent before the code belongs to the request


async def test_an_expired_contract_is_answered_politely(gated: Services) -> None:
    bob = CoreCustomer(gated, "bob")
    await bob.say("Hi")
    [expired] = texts_of(await bob.say("OLD-1"))
    assert "support contract of Oldco ended on" in expired and "renew" in expired
    [still] = texts_of(await bob.say("/new"))
    assert still == expired
    [listing] = texts_of(await bob.say("/list"))
    assert listing == "You have no requests yet."  # earlier requests stay visible


async def test_after_the_contract_ends_open_requests_still_go_through(gated: Services) -> None:
    alice = CoreCustomer(gated)
    await alice.say("hi")
    await alice.say("ACME-2026")
    ticket = await alice.open_ticket()
    async with transaction(gated.sessions) as session:
        await session.execute(update(Contract).values(ends_on=date(2020, 1, 1)))
    assert texts_of(await alice.say("Any news?")) == []  # added to the open request, no refusal
    [refused] = texts_of(await alice.say("/new"))
    assert "ended on 2020-01-01" in refused
    async with gated.sessions() as session:
        linked = (
            await session.execute(select(func.count()).select_from(Message).where(Message.ticket_id == ticket.id))
        ).scalar_one()
    assert linked >= 6


async def test_without_the_requirement_everyone_gets_the_default_level(services: Services) -> None:
    await office_levels(services, default="standard")
    ticket = await CoreCustomer(services).open_ticket()
    assert ticket.level == "standard"


async def test_russian_texts_for_the_code(gated: Services) -> None:
    ivan = CoreCustomer(gated, "ivan", language="ru")
    [ask] = texts_of(await ivan.say("Здравствуйте"))
    assert "код доступа" in ask


async def test_definitions_are_validated(services: Services) -> None:
    async with transaction(services.sessions) as session:
        with pytest.raises(ContractError, match="unknown day"):
            await contracts.save_calendar(session, "x", timezone="UTC", days="weekdays", hours="09:00-18:00")
        with pytest.raises(ContractError, match="no calendar named"):
            await contracts.save_level(session, "gold", calendar="nope", targets={})
        await contracts.save_calendar(session, "c", timezone="UTC", days="mon-fri", hours="09:00-18:00")
        with pytest.raises(ContractError, match="use minutes or 30m/4h/2d"):
            await contracts.save_level(session, "gold", calendar="c", targets={"incident": {"resolution": "soon"}})
        with pytest.raises(ContractError, match="no organization named"):
            await contracts.save_contract(session, "Nobody", level="gold", starts_on=date.today(), ends_on=None)


async def test_a_file_loads_everything_and_loading_it_again_changes_nothing(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "contracts.toml"
    path.write_text(contract_file.EXAMPLE)
    for _ in range(2):
        async with transaction(services.sessions) as session:
            counts = await contract_file.load(session, contract_file.read(path))
    assert counts == {"calendars": 1, "levels": 1, "organizations": 1, "contracts": 1}
    async with services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Contract))).scalar_one() == 1
        level = await contracts.level_for(session, None)
    assert (
        level is not None
        and level.name == "standard"
        # "2d" on the 09:00-18:00 calendar: two business days of 9 h.
        and level.targets["incident"] == {"first_response": 120, "resolution": 2 * 9 * 60}
        and level.targets["*"] == {"first_response": 9 * 60, "resolution": 5 * 9 * 60}
    )


async def test_a_broken_file_is_refused_with_the_reason(services: Services, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[levels.gold]\ntargets.incident = { resolution = '4h' }\n")
    async with transaction(services.sessions) as session:
        with pytest.raises(ContractError, match="level gold: a calendar is required"):
            await contract_file.load(session, contract_file.read(bad))
        with pytest.raises(ContractError, match="unknown sections: plans"):
            await contract_file.load(session, {"plans": {}})
    bad.write_text("[calendars\n")
    with pytest.raises(ContractError, match=r"bad\.toml"):
        contract_file.read(bad)
