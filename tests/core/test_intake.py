from __future__ import annotations

from sqlalchemy import func, select

from core.messages import AGENT_DESK
from core.migrate import upgrade
from core.models import Attachment, Dialog, Message, OutboxMessage, Ticket, TicketEvent, TicketStatus, TicketType
from core.services import Services
from core.settings import Settings
from tests.support.customers import CoreCustomer, choice_ids, png, texts_of


async def test_intake_asks_every_question_and_creates_the_ticket(services: Services) -> None:
    alice = CoreCustomer(services)

    [question] = await alice.say("Hi, our recorder is broken")
    assert question.payload["text"] == "What kind of request is it?"
    assert choice_ids(question) == [
        "type:incident",
        "type:mass_incident",
        "type:consultation",
        "type:feature_request",
        "nav:cancel",
    ]
    [question] = await alice.say(choice="type:incident")
    assert question.payload["text"].startswith("In a few words, what is it about?")
    assert choice_ids(question) == ["nav:back", "nav:cancel"]
    [question] = await alice.say("Recorder shows black screen")
    assert question.payload["text"].startswith("Please describe it in detail")
    [question] = await alice.say("Since 9:00 the IPTV recorder in room 4 shows a black screen.")
    assert question.payload["text"].startswith("If you have a screenshot")
    assert choice_ids(question) == ["nav:skip", "nav:back", "nav:cancel"]
    [created] = await alice.say(files=[png()])

    async with services.sessions() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
        attachments = list((await session.execute(select(Attachment))).scalars())
        linked = (
            await session.execute(select(func.count()).select_from(Message).where(Message.ticket_id == ticket.id))
        ).scalar_one()
        desk = list((await session.execute(select(OutboxMessage).where(OutboxMessage.channel == AGENT_DESK))).scalars())
        events = list((await session.execute(select(TicketEvent))).scalars())
        dialogs = (await session.execute(select(func.count()).select_from(Dialog))).scalar_one()
    assert ticket.number == 1001
    assert (ticket.type, ticket.subject, ticket.status) == (
        TicketType.INCIDENT,
        "Recorder shows black screen",
        TicketStatus.NEW,
    )
    assert ticket.description.startswith("Since 9:00")
    assert (ticket.channel, ticket.address, ticket.language) == ("test", "alice", "en")
    assert [a.ticket_id for a in attachments] == [ticket.id]
    assert services.files.read(attachments[0].storage_key or "").startswith(b"\x89PNG")
    assert linked == 5  # every message of the conversation belongs to the ticket, the first one included
    assert "#1001" in created.payload["text"] and "/status 1001" in created.payload["text"]
    assert created.ticket_id == ticket.id
    assert [(row.kind, row.address) for row in desk] == [("ticket_created", "1001")]
    assert [(e.kind, e.to_status, e.actor) for e in events] == [("created", "new", "customer:Alice")]
    assert dialogs == 0


async def test_skip_creates_the_ticket_without_a_screenshot(services: Services) -> None:
    alice = CoreCustomer(services)
    ticket = await alice.open_ticket("How to export recordings?", type="type:consultation")
    assert ticket.type == TicketType.CONSULTATION
    async with services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Attachment))).scalar_one() == 0


async def test_answers_are_validated_and_the_question_repeated(services: Services) -> None:
    alice = CoreCustomer(services)
    await alice.say("hello")

    [again] = await alice.say("something that is not a type")
    assert again.payload["text"].startswith("Please pick one of the options.")
    assert again.payload["text"].endswith("What kind of request is it?")

    [subject_q] = await alice.say("1")  # the numbered fallback of text-only channels
    assert "what is it about" in subject_q.payload["text"]

    [empty] = await alice.say("   ")
    assert empty.payload["text"].startswith("The answer is empty.")
    [too_long] = await alice.say("x" * 201)
    assert too_long.payload["text"].startswith("That is too long: 201 characters, at most 200.")
    [file_instead] = await alice.say(files=[png()])
    assert file_instead.payload["text"].startswith("I have kept the file")

    await alice.say("s" * 200)
    [desc_too_long] = await alice.say("d" * 4001)
    assert "4001 characters, at most 4000" in desc_too_long.payload["text"]
    [screenshot_q] = await alice.say("d" * 4000)
    assert screenshot_q.payload["text"].startswith("If you have a screenshot")
    assert choice_ids(screenshot_q)[0] == "nav:skip"
    [text_instead] = await alice.say("here is no file")
    assert text_instead.payload["text"].startswith("Please send an image or a file")
    await alice.say(choice="nav:skip")

    async with services.sessions() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
        attachments = list((await session.execute(select(Attachment))).scalars())
    assert (ticket.subject, len(ticket.description)) == ("s" * 200, 4000)
    assert [a.ticket_id for a in attachments] == [ticket.id]  # the file sent too early was kept


async def test_back_returns_to_the_previous_question(services: Services) -> None:
    alice = CoreCustomer(services)
    await alice.say("hello")
    await alice.say(choice="type:incident")
    await alice.say("Wrong subject")
    [subject_q] = await alice.say(choice="nav:back")
    assert "what is it about" in subject_q.payload["text"]
    [type_q] = await alice.say("назад")  # typed keywords work in both languages
    assert type_q.payload["text"] == "What kind of request is it?"
    await alice.say(choice="type:feature_request")
    await alice.say("Export to MKV")
    await alice.say("Please add MKV export.")
    await alice.say("skip")
    async with services.sessions() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
    assert (ticket.type, ticket.subject) == (TicketType.FEATURE_REQUEST, "Export to MKV")


async def test_cancel_drops_the_dialog_and_creates_nothing(services: Services) -> None:
    alice = CoreCustomer(services)
    await alice.say("hello")
    await alice.say(choice="type:incident")
    [cancelled] = await alice.say("Отмена")
    assert cancelled.payload["text"].startswith("Cancelled")
    assert choice_ids(cancelled) == ["menu:new", "menu:list"]
    async with services.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Ticket))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(Dialog))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(Message))).scalar_one() == 3
    [question] = await alice.say("I am back")
    assert question.payload["text"] == "What kind of request is it?"


async def test_a_restart_in_the_middle_of_the_dialog_loses_nothing(settings: Settings) -> None:
    first = Services.build(settings)
    await upgrade(first.engine)
    alice = CoreCustomer(first)
    await alice.say("hello")
    await alice.say(choice="type:mass_incident")
    await alice.say("All cameras offline")
    await first.engine.dispose()  # the process goes away

    second = Services.build(settings)
    try:
        alice = CoreCustomer(second)
        await alice.replies()
        [screenshot_q] = await alice.say("Every camera at the Moscow office is offline.")
        assert screenshot_q.payload["text"].startswith("If you have a screenshot")
        await alice.say(choice="nav:skip")
        async with second.sessions() as session:
            ticket = (await session.execute(select(Ticket))).scalar_one()
        assert (ticket.type, ticket.subject) == (TicketType.MASS_INCIDENT, "All cameras offline")
    finally:
        await second.engine.dispose()


async def test_russian_client_gets_russian_texts(services: Services) -> None:
    ivan = CoreCustomer(services, "ivan", language="ru-RU")
    [question] = await ivan.say("Здравствуйте")
    assert question.payload["text"] == "Какой это тип обращения?"
    assert question.payload["language"] == "ru"


async def test_unknown_language_falls_back_to_the_default(make_settings) -> None:  # type: ignore[no-untyped-def]
    services = Services.build(make_settings(default_language="ru").core)
    await upgrade(services.engine)
    try:
        [question] = await CoreCustomer(services, "hans", language="de").say("Hallo")
        assert question.payload["text"] == "Какой это тип обращения?"
    finally:
        await services.engine.dispose()


async def test_start_greets_with_the_menu_and_new_request_starts_intake(services: Services) -> None:
    alice = CoreCustomer(services)
    [greeting] = await alice.say("/start")
    assert greeting.payload["text"].startswith("Hello!")
    assert choice_ids(greeting) == ["menu:new", "menu:list"]
    [question] = await alice.say(choice="menu:new")
    assert question.payload["text"] == "What kind of request is it?"
    assert texts_of(await alice.say(choice="menu:list")) == ["You have no requests yet."]
