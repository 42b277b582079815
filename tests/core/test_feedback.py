from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from core.desk import Agent
from core.messages import AGENT_DESK
from core.models import OutboxMessage, Ticket, TicketEvent, TicketStatus
from core.services import Services
from core.timers import TimerLoop
from core.timeutil import utcnow
from tests.support.customers import CoreCustomer, choice_ids, texts_of

ANNA = Agent("Anna", "7")


async def solved_ticket(services: Services, customer: CoreCustomer) -> Ticket:
    ticket = await customer.open_ticket()
    await services.desk.solve(ticket.number, ANNA, "Firmware 2.4 fixes it.")
    [solved] = await customer.replies()
    assert choice_ids(solved) == [f"solved:{ticket.number}", f"unsolved:{ticket.number}"]
    return ticket


async def stored(services: Services, number: int) -> Ticket:
    async with services.sessions() as session:
        return (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()


async def desk_events(services: Services, kind: str) -> list[OutboxMessage]:
    async with services.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == AGENT_DESK, OutboxMessage.kind == kind)
        return list((await session.execute(query.order_by(col(OutboxMessage.id)))).scalars())


async def test_solved_closes_and_the_rating_reaches_the_topic(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await solved_ticket(services, alice)

    [closed] = await alice.say(choice=f"solved:{ticket.number}")
    assert closed.payload["text"].startswith(f"Request #{ticket.number} is closed. How would you rate")
    assert choice_ids(closed) == [f"rate:{ticket.number}:{n}" for n in range(1, 6)]
    assert (await stored(services, ticket.number)).status == TicketStatus.CLOSED

    assert texts_of(await alice.say(choice=f"rate:{ticket.number}:4")) == ["Thank you for your rating!"]
    assert texts_of(await alice.say(choice=f"rate:{ticket.number}:1")) == [
        f"Request #{ticket.number} is already rated. Thank you!"
    ]
    assert (await stored(services, ticket.number)).rating == 4
    [rating] = await desk_events(services, "rating")
    assert (rating.address, rating.payload["meta"]) == (str(ticket.number), {"rating": 4})


async def test_not_solved_reopens_at_once_asks_why_and_shows_the_agents(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await solved_ticket(services, alice)

    [question] = texts_of(await alice.say(choice=f"unsolved:{ticket.number}"))
    assert question.startswith(f"You answered “Not solved”: request #{ticket.number} is back in progress.")
    assert "What is still wrong?" in question
    assert (await stored(services, ticket.number)).status == TicketStatus.IN_PROGRESS
    [reopened] = (await desk_events(services, "status_changed"))[-1:]
    assert (reopened.payload["meta"]["from_status"], reopened.payload["meta"]["to_status"]) == ("solved", "in_progress")

    # The old "Solved" button, pressed afterwards, is answered and changes nothing.
    [stale] = texts_of(await alice.say(choice=f"solved:{ticket.number}"))
    assert stale == f"Request #{ticket.number} is no longer waiting for your confirmation (status: In progress)."
    assert texts_of(await alice.say(choice=f"unsolved:{ticket.number}")) == [stale]
    assert (await stored(services, ticket.number)).status == TicketStatus.IN_PROGRESS

    [thanks] = texts_of(await alice.say("Still black after the update"))
    assert thanks == f"Thank you. Support sees your comment on request #{ticket.number} and will answer here."
    [reason] = await desk_events(services, "unsolved_reason")
    assert reason.address == str(ticket.number) and reason.payload["meta"]["reason"] == "Still black after the update"
    async with services.sessions() as session:
        events = list((await session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))).scalars())
    assert [e.kind for e in events].count("reopened") == 1
    assert (events[-1].kind, events[-1].comment) == ("unsolved_reason", "Still black after the update")
    assert (await stored(services, ticket.number)).status == TicketStatus.IN_PROGRESS


async def test_typed_solved_works_without_buttons(services: Services) -> None:
    ivan = CoreCustomer(services, "ivan", language="ru")
    ticket = await solved_ticket(services, ivan)
    [closed] = texts_of(await ivan.say("решено"))
    assert closed.startswith(f"Обращение №{ticket.number} закрыто.")


async def test_no_answer_closes_the_ticket_after_the_configured_days(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await solved_ticket(services, alice)
    timers = TimerLoop(services.sessions, auto_close_days=3)

    assert await timers.run_once(utcnow() + timedelta(days=2)) == 0
    assert await timers.run_once(utcnow() + timedelta(days=3, minutes=1)) == 1
    assert await timers.run_once(utcnow() + timedelta(days=9)) == 0
    [closed] = await alice.replies()
    assert closed.payload["text"].startswith(f"Request #{ticket.number} is closed.\n\nWe heard nothing for 3 days")
    assert choice_ids(closed)[0] == f"rate:{ticket.number}:1"
    assert (await stored(services, ticket.number)).status == TicketStatus.CLOSED


async def test_a_late_confirmation_is_answered_not_applied(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await solved_ticket(services, alice)
    await services.desk.reopen(ticket.number, ANNA, "Checking again")
    await alice.replies()
    [stale] = texts_of(await alice.say(choice=f"solved:{ticket.number}"))
    assert stale == f"Request #{ticket.number} is no longer waiting for your confirmation (status: In progress)."
    [other] = texts_of(await alice.say(choice="solved:999999"))
    assert other == "Request #999999 was not found among your requests."


async def test_closing_a_rated_ticket_again_asks_for_no_rating(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await solved_ticket(services, alice)
    await alice.say(choice=f"solved:{ticket.number}")
    await alice.say(choice=f"rate:{ticket.number}:5")
    await services.desk.reopen(ticket.number, ANNA, "One more camera")
    await alice.replies()
    await services.desk.close(ticket.number, ANNA)
    [closed] = await alice.replies()
    assert closed.payload["text"] == f"Request #{ticket.number} is closed."
    assert choice_ids(closed) == []
