"""The express lane (core/express.py): the same rows as the full path, in fewer statements and
shared transactions, and nothing at all for the messages it leaves to the full path."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from core import express, route
from core.desk import Agent
from core.messages import AGENT_DESK, InboundMessage
from core.models import Identity, InboundReceipt, Message, OutboxMessage, Ticket, TicketStatus
from core.services import Services
from tests.support.customers import CoreCustomer

ANNA = Agent("Anna", "501")


@contextmanager
def counting(services: Services, texts: list[str] | None = None) -> Iterator[dict[str, int]]:
    """Statements sent to the database and transactions begun, while the block runs (the
    statements' texts appended to `texts` when given)."""
    counts = {"statements": 0, "transactions": 0}

    def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        counts["statements"] += 1
        if texts is not None:
            texts.append(statement)

    def on_begin(*_: Any) -> None:
        counts["transactions"] += 1

    engine = services.engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "begin", on_begin)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "begin", on_begin)


async def rows_of(services: Services, external_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The stored message and the agents' desk event queued for it, without ids and times."""
    async with services.sessions() as session:
        message = (await session.execute(select(Message).where(Message.external_id == external_id))).scalar_one()
        query = select(OutboxMessage).where(
            OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind == "customer_message"
        )
        desk = [
            row for row in (await session.execute(query)).scalars() if row.payload["meta"]["message_id"] == message.id
        ]
    assert len(desk) == 1
    stored = message.model_dump(exclude={"id", "created_at", "external_id", "text"})
    queued = desk[0].model_dump(exclude={"id", "created_at", "next_attempt_at", "payload"})
    queued["payload"] = {**desk[0].payload, "meta": {**desk[0].payload["meta"], "message_id": "the message"}}
    return stored, queued


async def identity_of(services: Services, address: str) -> Identity:
    async with services.sessions() as session:
        return (await session.execute(select(Identity).where(Identity.address == address))).scalar_one()


async def receipts(services: Services) -> int:
    async with services.sessions() as session:
        return (await session.execute(select(func.count()).select_from(InboundReceipt))).scalar_one()


async def test_the_lane_writes_what_the_full_path_writes_in_a_few_statements(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = CoreCustomer(services)
    ticket = await alice.open_ticket()
    before = await identity_of(services, "alice")

    def said(text: str, external_id: str) -> InboundMessage:
        return InboundMessage(
            channel="test", sender="alice", external_id=external_id, text=text, sender_name="Alice", language="en"
        )

    with counting(services) as fast:
        await services.desk.receive(said("It is down again", "fast"))
    monkeypatch.setattr(express, "plan", _never)
    with counting(services) as full:
        await services.desk.receive(said("And now the other camera", "full"))

    # The lookup, the receipt, one statement per table written (+ SQLite's BEGIN IMMEDIATE). The
    # full path sends only a few more; what it spends is the ORM's time around them.
    assert fast["transactions"] == 1 and fast["statements"] <= 7, fast
    assert full["statements"] > fast["statements"], (fast, full)
    assert await alice.replies() == []  # nothing to say to the customer either way
    assert await rows_of(services, "fast") == await rows_of(services, "full")
    fast_message, _ = await rows_of(services, "fast")
    assert fast_message["ticket_id"] == ticket.id and fast_message["author"] == "Alice"
    after = await identity_of(services, "alice")
    assert after.last_inbound_at is not None and before.last_inbound_at is not None
    assert after.last_inbound_at > before.last_inbound_at
    assert (after.display_name, after.language) == ("Alice", "en")


async def test_messages_arriving_together_share_transactions_and_keep_their_order(services: Services) -> None:
    people = [CoreCustomer(services, f"c{i}") for i in range(4)]
    tickets = [await person.open_ticket(f"Ticket of {person.address}") for person in people]
    await people[0].say("said before", external_id="early")
    messages = [
        InboundMessage(channel="test", sender=f"c{i % 4}", external_id=f"x{i}", text=f"update {i}") for i in range(60)
    ]
    repeats = [
        InboundMessage(channel="test", sender="c1", external_id="x5", text="update 5"),  # within the same groups
        InboundMessage(channel="test", sender="c0", external_id="early", text="said before"),  # handled long ago
    ]

    with counting(services) as counts:
        results = await asyncio.gather(*(services.desk.receive(m) for m in [*messages, *repeats]))

    assert [r.duplicate for r in results] == [False] * 60 + [True, True]
    assert counts["transactions"] <= 4, counts  # 62 messages in groups of at most 32
    async with services.sessions() as session:
        stored = list(
            (
                await session.execute(select(Message).where(Message.external_id.like("x%")).order_by(Message.id))
            ).scalars()
        )  # type: ignore[union-attr]
        desk = list(
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.kind == "customer_message").order_by(OutboxMessage.id)
                )
            ).scalars()
        )
        touched = {t.id: t.updated_at for t in (await session.execute(select(Ticket))).scalars()}
    assert [m.external_id for m in stored] == [f"x{i}" for i in range(60)]  # once each, in arrival order
    assert [m.ticket_id for m in stored] == [tickets[i % 4].id for i in range(60)]
    assert [m.id for m in stored] == [r.message_id for r in results[:60]]
    for ticket in tickets:
        ids = [row.payload["meta"]["message_id"] for row in desk if row.address == str(ticket.number)]
        assert ids[-15:] == [m.id for m in stored if m.ticket_id == ticket.id]  # the agents see them in order
        assert touched[ticket.id] >= stored[-1].created_at


@pytest.mark.parametrize("situation", ["unknown", "in_dialog", "two_open", "waiting", "closed"])
async def test_what_the_lane_leaves_to_the_full_path_it_does_not_touch(services: Services, situation: str) -> None:
    alice = CoreCustomer(services)
    if situation != "unknown":
        ticket = await alice.open_ticket()
    if situation == "in_dialog":
        await alice.say("/new")
    elif situation == "two_open":
        await alice.open_ticket("Second camera")
    elif situation == "waiting":
        await services.desk.ask(ticket.number, ANNA, "Which model?")
    elif situation == "closed":
        await services.desk.close(ticket.number, ANNA)
    before = await receipts(services)

    message = InboundMessage(channel="test", sender="alice", external_id="left", text="More details")
    assert await services.desk.express.receive(message) is None
    assert await receipts(services) == before  # the full path still sees a new message

    await services.desk.receive(message)
    assert await receipts(services) == before + 1
    if situation == "waiting":  # and the full path did its part: the answer resumes work
        async with services.sessions() as session:
            refreshed = await session.get(Ticket, ticket.id)
        assert refreshed is not None and refreshed.status == TicketStatus.IN_PROGRESS


async def _never(*_: Any, **__: Any) -> None:
    return None


@pytest.mark.parametrize(
    "message",
    [
        InboundMessage(channel="test", sender="alice", external_id="1", text="/status 1001"),
        InboundMessage(channel="test", sender="alice", external_id="1", text="ok", choice="menu:new"),
        InboundMessage(channel="test", sender="alice", external_id="1", text="ok", reply_to="m5"),
        InboundMessage(channel="test", sender="alice", external_id="1", text=" Solved "),
        InboundMessage(channel="test", sender="alice", external_id="1", text="Не решено"),
        InboundMessage(channel="test", sender="alice", external_id="1", text="ok", subject="A new mail"),
    ],
    ids=["command", "button", "reply", "typed-solved", "typed-unsolved-ru", "new-mail"],
)
async def test_commands_buttons_replies_and_confirmations_take_the_full_path(
    services: Services, message: InboundMessage
) -> None:
    await CoreCustomer(services).open_ticket()
    before = await receipts(services)
    assert await services.desk.express.receive(message) is None
    assert await receipts(services) == before
    plain = message.model_copy(update={"text": "the camera is down", "choice": None, "reply_to": None, "subject": None})
    assert await services.desk.express.receive(plain) is not None


class _OneOpenRequest:
    """Facts of a contact with one open request and nothing else: what APPEND is made of."""

    async def dialog_step(self) -> None:
        return None

    async def owes_access_code(self) -> bool:
        return False

    async def contract_valid(self) -> bool:
        return True

    async def latest_solved(self) -> None:
        return None

    async def replied_ticket(self) -> None:
        return None

    async def answered_ticket(self) -> None:
        return None

    async def active_tickets(self) -> list[str]:
        return ["the open request"]

    async def latest_closed(self) -> None:
        return None

    def closed(self, ticket: str) -> bool:
        return False


@pytest.mark.parametrize("require_contract", [False, True])
async def test_a_mail_is_never_appended_so_the_lane_does_not_look_it_up(
    services: Services, require_contract: bool
) -> None:
    words = InboundMessage(channel="email", sender="alice@example.net", external_id="<w@x>", text="More details")
    mail = words.model_copy(update={"subject": "Re: the printer"})
    # The decision's own answer, with every fact that could lead to APPEND given: a subject changes it.
    facts = _OneOpenRequest()
    assert (await route.decide(words, facts, require_contract=require_contract)).kind == route.APPEND
    assert (await route.decide(mail, facts, require_contract=require_contract)).kind != route.APPEND
    assert route.may_append(words) and not route.may_append(mail)

    await CoreCustomer(services, "alice@example.net", channel="email").open_ticket()
    with counting(services) as counts:
        assert await services.desk.express.receive(mail) is None
    assert counts == {"statements": 0, "transactions": 0}


async def test_the_lane_follows_the_one_decision(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule added to core.route.decide applies to the lane's messages too: it has none of its own."""
    alice = CoreCustomer(services)
    await alice.open_ticket()
    decide = route.decide

    async def stricter(message: InboundMessage, facts: Any, *, require_contract: bool) -> route.Route[Any]:
        if "urgent" in message.text:
            return route.Route(route.START_INTAKE)  # say, a new rule: urgent words open a new request
        return await decide(message, facts, require_contract=require_contract)

    monkeypatch.setattr(route, "decide", stricter)
    urgent = InboundMessage(channel="test", sender="alice", external_id="u", text="urgent: all down")
    calm = InboundMessage(channel="test", sender="alice", external_id="c", text="all fine")
    assert await services.desk.express.receive(urgent) is None
    assert await services.desk.express.receive(calm) is not None
    await services.desk.receive(urgent)  # the full path follows the same rule
    asked = [choice["id"] for row in await alice.replies() for choice in row.payload["choices"]]
    assert "type:incident" in asked  # the intake's first question: what kind of request


async def test_a_group_that_fails_is_handled_by_the_full_path(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = CoreCustomer(services)
    await alice.open_ticket()

    def broken(*_: Any) -> list[Any]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(express, "write_group", broken)
    received = await services.desk.receive(
        InboundMessage(channel="test", sender="alice", external_id="kept", text="Still down")
    )
    assert not received.duplicate and received.message_id is not None
    stored, _ = await rows_of(services, "kept")
    assert stored["address"] == "alice"


async def test_a_new_sender_s_first_request_reads_back_neither_its_contact_nor_a_dialog(services: Services) -> None:
    statements: list[str] = []
    mail = InboundMessage(
        channel="email",
        sender="carol@example.net",
        external_id="<1@example.net>",
        text="The printer is jammed",
        subject="Printer",
        sender_name="Carol",
        language="en",
    )
    with counting(services, statements):
        await services.desk.receive(mail)

    async with services.sessions() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
    assert ticket.subject == "Printer" and ticket.contact_id is not None
    # Both were created by this transaction: the contact is still in the session, and a sender
    # seen for the first time has no dialog to look up.
    assert not [s for s in statements if s.lstrip().startswith(("SELECT contact.", "SELECT dialog."))], statements


async def test_messages_left_to_the_full_path_take_at_most_its_limit_of_connections_at_once(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import conversation

    handle, inside, most = conversation.handle, [0], [0]

    async def counted(turn: Any) -> None:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        await asyncio.sleep(0.01)  # a transaction's round trips
        await handle(turn)
        inside[0] -= 1

    monkeypatch.setattr(conversation, "handle", counted)
    limit = services.settings.full_path_concurrency
    newcomers = [
        InboundMessage(channel="email", sender=f"c{i}@example.net", external_id=f"<{i}@x>", text="Down", subject="Down")
        for i in range(3 * limit)
    ]
    results = await asyncio.gather(*(services.desk.receive(m) for m in newcomers))
    assert all(not r.duplicate for r in results)
    # On PostgreSQL the limit is what holds them back; SQLite's one pooled connection holds them to one.
    assert most[0] == (limit if services.engine.dialect.name == "postgresql" else 1)
