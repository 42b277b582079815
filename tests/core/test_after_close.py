"""A customer's words after a close: reopen within the window, a new linked request past it, rating once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from core.customer_models import TicketFollowUp
from core.models import Ticket, TicketStatus
from core.services import Services
from core.timeutil import utcnow
from tests.core.test_feedback import ANNA, desk_events, solved_ticket, stored
from tests.support.customers import CoreCustomer, choice_ids, texts_of


async def closed_ticket(services: Services, customer: CoreCustomer, *, rating: int | None = 4) -> Ticket:
    ticket = await solved_ticket(services, customer)
    await customer.say(choice=f"solved:{ticket.number}")
    if rating is not None:
        await customer.say(choice=f"rate:{ticket.number}:{rating}")
    return ticket


async def test_a_message_within_the_window_reopens_the_closed_request(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await closed_ticket(services, alice)
    services.desk.clock = lambda: utcnow() + timedelta(days=6)

    [told] = texts_of(await alice.say("It is black again"))
    assert told == f"Request #{ticket.number} was closed; your message has reopened it. Support will answer here."
    assert (await stored(services, ticket.number)).status == TicketStatus.IN_PROGRESS
    [reopened] = (await desk_events(services, "status_changed"))[-1:]
    assert reopened.payload["meta"]["to_status"] == "in_progress"
    [words] = (await desk_events(services, "customer_message"))[-1:]
    assert words.address == str(ticket.number)


async def test_a_message_past_the_window_starts_a_new_request_linked_to_the_old(services: Services) -> None:
    ivan = CoreCustomer(services, "ivan", language="ru")
    old = await closed_ticket(services, ivan)
    services.desk.clock = lambda: utcnow() + timedelta(days=8)

    told, question = texts_of(await ivan.say("Снова не работает"))
    assert told.startswith(f"Обращение №{old.number} закрыто ") and f"связанное с №{old.number}" in told
    assert question == "Какой это тип обращения?"
    assert (await stored(services, old.number)).status == TicketStatus.CLOSED

    await ivan.say(choice="type:incident")
    await ivan.say("Камера снова")
    await ivan.say("Чёрный экран")
    [created] = texts_of(await ivan.say(choice="nav:skip"))
    async with services.sessions() as session:
        new = (await session.execute(select(Ticket).where(col(Ticket.subject) == "Камера снова"))).scalar_one()
        link = await session.get(TicketFollowUp, new.id)
    assert f"№{new.number} зарегистрировано" in created
    assert f"Оно связано с вашим прежним обращением №{old.number}." in created
    assert link is not None and link.previous_id == old.id
    [follow_up] = await desk_events(services, "follow_up")
    assert (follow_up.address, follow_up.payload["meta"]) == (str(new.number), {"previous": old.number})


async def test_a_window_of_zero_days_always_starts_a_new_request(services: Services) -> None:
    services.desk.limits.reopen_window_days = 0
    alice = CoreCustomer(services)
    old = await closed_ticket(services, alice)
    told, _question = texts_of(await alice.say("Another thing"))
    assert told.startswith(f"Request #{old.number} was closed on ")


async def test_the_rating_is_asked_once(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await closed_ticket(services, alice, rating=None)
    # Reopened by the agent and closed again: not asked a second time, though never rated.
    await services.desk.reopen(ticket.number, ANNA, "One more check")
    await services.desk.close(ticket.number, ANNA)
    *_, closed = await alice.replies()
    assert closed.payload["text"] == f"Request #{ticket.number} is closed." and choice_ids(closed) == []

    bob = CoreCustomer(services, "bob")
    rated = await closed_ticket(services, bob, rating=5)
    await services.desk.reopen(rated.number, ANNA)
    await services.desk.close(rated.number, ANNA)
    *_, again = await bob.replies()
    assert again.payload["text"] == f"Request #{rated.number} is closed." and choice_ids(again) == []


async def test_a_typed_digit_after_the_close_is_a_rating_not_a_reopen(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await closed_ticket(services, alice, rating=None)
    assert texts_of(await alice.say("5")) == ["Thank you for your rating!"]
    closed = await stored(services, ticket.number)
    assert (closed.status, closed.rating) == (TicketStatus.CLOSED, 5)
