"""Access codes: typed loosely, guessed slowly; agents see the guessing."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlmodel import col, select

from core import contracts
from core.contracts import ContractError, normalize_code
from core.db import transaction
from core.messages import AGENT_DESK, CLIENT_ADDRESS, GENERAL, InboundMessage
from core.models import Contact, OutboxMessage
from core.services import Services
from core.timeutil import utcnow
from tests.support.customers import CoreCustomer, texts_of

LOCKED = "Too many wrong codes in a row. For your organization's safety, codes are not checked for the next"
_ids = itertools.count(1)


async def general_events(services: Services) -> list[OutboxMessage]:
    async with services.sessions() as session:
        query = select(OutboxMessage).where(
            col(OutboxMessage.channel) == AGENT_DESK, col(OutboxMessage.address) == GENERAL
        )
        return list((await session.execute(query)).scalars())


async def organization_of(services: Services, customer: CoreCustomer) -> int | None:
    async with services.sessions() as session:
        contacts = list(
            (await session.execute(select(Contact).where(col(Contact.name) == customer.address.title()))).scalars()
        )
    return contacts[0].organization_id if contacts else None


async def test_six_wrong_codes_lock_the_contact_and_the_right_code_works_after_the_window(gated: Services) -> None:
    start = utcnow()
    gated.desk.clock = lambda: start
    alice = CoreCustomer(gated)
    await alice.say("Hello, the recorder is down")
    for guess in range(1, 5):
        [wrong] = texts_of(await alice.say(f"GUESS-{guess}"))
        assert wrong.startswith("That code was not recognised")
    [fifth] = texts_of(await alice.say("GUESS-5"))
    assert fifth == f"{LOCKED} 15 min. Please try again after that, or ask your administrator for the current code."
    [sixth] = texts_of(await alice.say("acme-2026"))  # right, but not even checked while locked
    assert sixth.startswith(LOCKED)
    assert await organization_of(gated, alice) is None

    [event] = await general_events(gated)
    assert event.kind == "access_locked" and event.ticket_id is None
    assert event.payload["meta"] | {"who": "Alice"} == {
        "channel": "test",
        "who": "Alice",
        "key": "contact",
        "client_address": "",
        "failures": 5,
        "minutes": 15,
    }

    gated.desk.clock = lambda: start + timedelta(minutes=10)
    [later] = texts_of(await alice.say("ACME-2026"))
    assert later == f"{LOCKED} 5 min. Please try again after that, or ask your administrator for the current code."

    gated.desk.clock = lambda: start + timedelta(minutes=15, seconds=1)
    welcome, _question = texts_of(await alice.say("acme-2026"))
    assert welcome == "Thank you, Acme is recognised (level: premium)."
    assert await organization_of(gated, alice) is not None


@pytest.mark.parametrize("typed", ["acme-2026", " ACME 2026 ", "Acme2026", "-acme-2026-"])
async def test_codes_ignore_case_spaces_and_dashes(gated: Services, typed: str) -> None:
    alice = CoreCustomer(gated)
    await alice.say("Hello")
    [welcome, _] = texts_of(await alice.say(typed))
    assert welcome.startswith("Thank you, Acme is recognised")


async def test_one_network_address_is_limited_across_visitors(gated: Services) -> None:
    async def guess(visitor: str, code: str) -> list[str]:
        customer = CoreCustomer(gated, visitor, channel="webchat")
        await gated.desk.receive(
            InboundMessage(
                channel="webchat",
                sender=visitor,
                external_id=f"g{next(_ids)}",
                text=code,
                meta={CLIENT_ADDRESS: "203.0.113.5"},
            )
        )
        customer._seen = 0
        return texts_of(await customer.replies())

    for visitor in range(5):  # four wrong codes each: no contact is locked, the address is
        for attempt in range(5):
            await guess(f"v{visitor}", "hello" if attempt == 0 else f"WRONG-{attempt}")
    *_, last = await guess("v5", "hello")
    assert "access code" in last
    *_, locked = await guess("v5", "ACME-2026")
    assert locked.startswith(LOCKED)
    [event] = await general_events(gated)
    assert (event.payload["meta"]["key"], event.payload["meta"]["client_address"]) == ("address", "203.0.113.5")


async def test_russian_customers_are_told_in_russian(gated: Services) -> None:
    ivan = CoreCustomer(gated, "ivan", language="ru")
    await ivan.say("Здравствуйте")
    for guess in range(5):
        replies = texts_of(await ivan.say(f"НЕТ-{guess}"))
    assert replies[-1].startswith("Слишком много неверных кодов подряд.") and "15 мин." in replies[-1]


async def test_generated_codes_are_easy_to_type_and_codes_may_not_collide(gated: Services) -> None:
    code = contracts.new_access_code()
    assert len(code) == 14 and code.count("-") == 2
    assert not set(code.replace("-", "")) & set("01OI")
    assert normalize_code(code) == normalize_code(code.lower().replace("-", " "))
    async with transaction(gated.sessions) as session:
        with pytest.raises(ContractError, match="same as Acme's"):
            await contracts.save_organization(session, "Copycat", access_code="acme 2026")
