from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import func, select, text
from sqlmodel import col

from core.contacts import identify
from core.db import transaction
from core.desk import Agent, TicketNotFound
from core.messages import AGENT_DESK, InboundMessage
from core.migrate import upgrade
from core.models import (
    Contact,
    Direction,
    Identity,
    Message,
    OutboxMessage,
    Ticket,
    TicketEvent,
    TicketStatus,
    TicketType,
)
from core.services import Services
from core.settings import Settings
from core.tickets import CommentRequired, InvalidTransition, allocate_number
from tests.support.customers import CoreCustomer, choice_ids, png, texts_of

ANNA = Agent("Anna", "501")


async def desk_events(services: Services, number: int) -> list[str]:
    async with services.sessions() as session:
        query = select(OutboxMessage.kind).where(
            OutboxMessage.channel == AGENT_DESK, OutboxMessage.address == str(number)
        )
        return list((await session.execute(query.order_by(OutboxMessage.id))).scalars())


async def test_full_status_cycle_reaches_the_customer_and_is_recorded(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await alice.open_ticket()
    await alice.replies()
    desk = services.desk

    await desk.reply(ticket.number, ANNA, "Which recorder model is it?")
    assert texts_of(await alice.replies()) == [
        "#1001 · Support: Which recorder model is it?",
        "Request #1001: the status is now “In progress”.",
    ]
    await desk.ask(ticket.number, ANNA, "Please send the serial number.")
    assert texts_of(await alice.replies()) == [
        "Request #1001: support needs more information.\n\nPlease send the serial number."
    ]

    assert texts_of(await alice.say("SN 4411-22")) == ["Request #1001: the status is now “In progress”."]
    async with services.sessions() as session:
        refreshed = await session.get(Ticket, ticket.id)
    assert refreshed is not None and refreshed.status == TicketStatus.IN_PROGRESS  # the answer resumes work

    with pytest.raises(CommentRequired):
        await desk.solve(ticket.number, ANNA, "  ")
    await desk.solve(ticket.number, ANNA, "Firmware 2.4 fixes it; updated remotely.")
    assert (
        texts_of(await alice.replies())[-1]
        == "Request #1001: solution provided.\n\nFirmware 2.4 fixes it; updated remotely."
    )
    await desk.close(ticket.number, ANNA)
    await desk.reopen(ticket.number, ANNA)
    with pytest.raises(InvalidTransition):
        await desk.set_status(ticket.number, ANNA, TicketStatus.NEW)

    async with services.sessions() as session:
        events = list((await session.execute(select(TicketEvent).order_by(TicketEvent.id))).scalars())
    assert [(e.kind, e.from_status, e.to_status, e.actor) for e in events] == [
        ("created", None, "new", "customer:Alice"),
        ("status", "new", "in_progress", "agent:Anna"),
        ("status", "in_progress", "waiting_customer", "agent:Anna"),
        ("status", "waiting_customer", "in_progress", "customer:Alice"),
        ("status", "in_progress", "solved", "agent:Anna"),
        ("status", "solved", "closed", "agent:Anna"),
        ("reopened", "closed", "in_progress", "agent:Anna"),
    ]
    assert all(e.created_at.tzinfo is not None for e in events)
    assert (await desk_events(services, ticket.number)).count("status_changed") == 6


async def test_notes_stay_internal(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await alice.open_ticket()
    await alice.replies()
    await services.desk.note(ticket.number, ANNA, "Customer is on the old firmware")
    assert await alice.replies() == []
    async with services.sessions() as session:
        note = (await session.execute(select(Message).where(Message.direction == Direction.NOTE))).scalar_one()
    assert note.text == "Customer is on the old firmware"


async def test_an_agent_action_whose_key_was_seen_is_not_done_again(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await alice.open_ticket()
    await alice.replies()
    first = await services.desk.reply(ticket.number, ANNA, "Try the other port", key="tool:17")
    again = await services.desk.reply(ticket.number, ANNA, "Try the other port", key="tool:17")
    await services.desk.close(ticket.number, ANNA, key="tool:17")  # the key is spent, whatever the action
    assert first is not None and again is None
    assert texts_of(await alice.replies()) == [
        f"#{ticket.number} · Support: Try the other port",
        f"Request #{ticket.number}: the status is now “In progress”.",
    ]
    async with services.sessions() as session:
        assert (await session.get(Ticket, ticket.id)).status == TicketStatus.IN_PROGRESS  # type: ignore[union-attr]


async def test_take_and_type_change(services: Services) -> None:
    ticket = await CoreCustomer(services).open_ticket()
    await services.desk.take(ticket.number, ANNA)
    await services.desk.set_type(ticket.number, ANNA, TicketType.MASS_INCIDENT)
    async with services.sessions() as session:
        refreshed = await session.get(Ticket, ticket.id)
    assert refreshed is not None
    assert (refreshed.assignee, refreshed.status, refreshed.type) == (
        "Anna",
        TicketStatus.IN_PROGRESS,
        TicketType.MASS_INCIDENT,
    )


async def test_unknown_ticket_number_is_an_error(services: Services) -> None:
    with pytest.raises(TicketNotFound):
        await services.desk.reply(9999, ANNA, "hello")


async def test_later_messages_go_to_the_open_ticket(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await alice.open_ticket()
    await alice.replies()
    assert await alice.say("One more detail: it started after the update", files=[png()]) == []
    async with services.sessions() as session:
        last = (await session.execute(select(Message).order_by(Message.id.desc()))).scalars().first()  # type: ignore[union-attr]
    assert last is not None and last.ticket_id == ticket.id
    assert (await desk_events(services, ticket.number)) == ["ticket_created", "customer_message"]


async def test_with_several_open_tickets_the_customer_is_asked_which(services: Services) -> None:
    alice = CoreCustomer(services)
    first = await alice.open_ticket("First problem")
    await alice.say("/new")
    await alice.say(choice="type:consultation")
    await alice.say("Second question")
    await alice.say("How do I export?")
    await alice.say(choice="nav:skip")
    await alice.replies()

    [question] = await alice.say("Any news?")
    assert question.payload["text"] == "You have several open requests. Which one is this message about?"
    assert choice_ids(question) == ["ticket:1002", "ticket:1001", "menu:new"]
    [ack] = await alice.say(choice="ticket:1001")
    assert ack.payload["text"] == "Added to request #1001."
    async with services.sessions() as session:
        asked = (await session.execute(select(Message).where(Message.text == "Any news?"))).scalar_one()
    assert asked.ticket_id == first.id


async def test_a_reply_to_a_ticket_message_decides_the_ticket(services: Services) -> None:
    alice = CoreCustomer(services)
    first = await alice.open_ticket("First problem")
    await CoreCustomer(services).open_ticket("Second problem")  # same customer, second ticket
    await services.desk.reply(first.number, ANNA, "Is it still broken?")
    rows = await alice.replies()
    agent_message = next(r for r in rows if "Is it still broken?" in r.payload["text"])
    async with services.sessions() as session:
        row = await session.get(OutboxMessage, agent_message.id)
        assert row is not None
        row.external_id = "platform-77"  # what the platform answered when it was delivered
        await session.commit()
    assert await alice.say("Yes, still broken", reply_to="platform-77") == []
    async with services.sessions() as session:
        answer = (await session.execute(select(Message).where(Message.text == "Yes, still broken"))).scalar_one()
    assert answer.ticket_id == first.id


async def test_status_command_shows_only_the_customers_own_tickets(services: Services) -> None:
    alice = CoreCustomer(services)
    bob = CoreCustomer(services, "bob")
    await alice.open_ticket("Alice's secret problem")
    await alice.replies()
    [card] = await alice.say("/status 1001")
    assert "Alice's secret problem" in card.payload["text"] and "Status: New" in card.payload["text"]
    [listing] = await alice.say(choice="menu:list")
    assert "#1001 · Incident · Alice's secret problem — New" in listing.payload["text"]

    [answer_for_bob] = await bob.say("/status 1001")
    [answer_for_missing] = await bob.say("/status 5555")
    assert answer_for_bob.payload["text"] == "Request #1001 was not found among your requests."
    assert answer_for_missing.payload["text"] == "Request #5555 was not found among your requests."
    assert "Alice" not in str(answer_for_bob.payload)


async def test_duplicate_inbound_message_is_processed_once(services: Services) -> None:
    alice = CoreCustomer(services)
    first = await alice.say("hello", external_id="wamid.1")
    again = await alice.say("hello", external_id="wamid.1")
    assert len(first) == 1 and again == []
    async with services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Message))).scalar_one() == 1


async def test_concurrent_duplicates_are_processed_once(services: Services) -> None:
    alice = CoreCustomer(services)
    results = await asyncio.gather(*(alice.say("hello", external_id="dup-1") for _ in range(5)), return_exceptions=True)
    assert not [r for r in results if isinstance(r, Exception)]
    async with services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Message))).scalar_one() == 1
        replies = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert replies == 1


async def test_a_new_sender_s_two_first_messages_at_once_make_one_contact(backend: str, services: Services) -> None:
    """The second message's transaction meets the first's uncommitted identity: on PostgreSQL it waits
    for that commit, then takes the identity it made; its own contact goes."""
    first = InboundMessage(channel="test", sender="zoe", external_id="z1", text="hello", sender_name="Zoe")
    second = first.model_copy(update={"external_id": "z2", "text": "anyone there?"})
    async with transaction(services.sessions) as session:
        made = await identify(session, first)
        # The second message can only be handled once this transaction commits (SQLite: one writer).
        waiting = asyncio.create_task(services.desk.receive(second))
        await asyncio.sleep(0.3)
        assert not waiting.done()
    await asyncio.wait_for(waiting, 10)
    async with services.sessions() as session:
        identities = list((await session.execute(select(Identity))).scalars())
        contacts = (await session.execute(select(func.count()).select_from(Contact))).scalar_one()
        senders = list((await session.execute(select(col(Message.identity_id)))).scalars())
    assert [(i.id, i.contact_id) for i in identities] == [(made.id, made.contact_id)]
    assert contacts == 1
    assert senders == [made.id]


async def test_concurrent_ticket_creations_get_distinct_numbers(settings: Settings, backend: str) -> None:
    """Two service instances on one PostgreSQL create tickets at the same moment.

    SQLite serves one process (several instances need PostgreSQL), so there the creations are
    concurrent tasks of one instance.
    """
    first = Services.build(settings)
    instances = [first, Services.build(settings) if backend == "postgres" else first]
    await upgrade(instances[0].engine)
    customers = [CoreCustomer(instances[i % 2], f"c{i}") for i in range(12)]
    try:
        for customer in customers:
            await customer.say("hello")
            await customer.say(choice="type:incident")
            await customer.say(f"Subject of {customer.address}")
            await customer.say("Description")
        await asyncio.gather(*(customer.say(choice="nav:skip") for customer in customers))
        async with instances[0].sessions() as session:
            numbers = list((await session.execute(select(Ticket.number))).scalars())
    finally:
        for instance in {id(i): i for i in instances}.values():
            await instance.engine.dispose()
    assert sorted(numbers) == list(range(1001, 1013))


async def test_a_new_ticket_s_number_does_not_wait_for_another_new_ticket_s_commit(
    backend: str, services: Services
) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite has one writer: its transactions never overlap")
    async with AsyncExitStack() as first, AsyncExitStack() as second:
        one = await first.enter_async_context(transaction(services.sessions))
        other = await second.enter_async_context(transaction(services.sessions))
        await other.execute(text("SET LOCAL lock_timeout = '2s'"))  # fails instead of waiting
        numbers = [await allocate_number(one, 1001), await allocate_number(other, 1001)]
    assert numbers[1] == numbers[0] + 1
