"""Meta's documented notification shapes, end to end through the real app and the core."""

from __future__ import annotations

from core.models import Attachment, Identity, InboxEvent, Message
from tests.channels.whatsapp.conftest import StartApp, World
from tests.fakes.whatsapp import Customer
from tests.fakes.whatsapp_payloads import entry, message, notification, wamid

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def interactive_ids(sent: dict) -> list[str]:  # type: ignore[type-arg]
    interactive = sent["interactive"]
    if interactive["type"] == "button":
        return [b["reply"]["id"] for b in interactive["action"]["buttons"]]
    return [row["id"] for section in interactive["action"]["sections"] for row in section["rows"]]


async def reach_screenshot_step(world: World, alice: Customer) -> None:
    await alice.say("hello")
    await world.fake.wait_for(lambda: len(alice.inbox()) >= 1, "the type question")
    await alice.press("type:incident", "Incident")
    await alice.say("Camera is down")
    await alice.say("The recorder shows a black screen since 9:00.")
    await world.fake.wait_for(lambda: len(alice.inbox()) >= 4, "the screenshot question")


async def test_text_starts_the_intake_and_the_type_question_is_a_list_of_the_core_choices(world: World) -> None:
    alice = world.customer()
    assert (await alice.say("hello", message_id="wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQ1")).status_code == 200
    [question] = await world.fake.wait_for(alice.inbox, "the first question")
    assert question["type"] == "interactive" and question["interactive"]["type"] == "list"
    assert interactive_ids(question)[:4] == [
        "type:incident",
        "type:mass_incident",
        "type:consultation",
        "type:feature_request",
    ]
    [stored] = await world.rows(Message)
    assert (stored.text, stored.external_id, stored.author) == ("hello", "wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQ1", "Alice")


async def test_a_button_reply_is_the_choice_it_carries(world: World) -> None:
    alice = world.customer()
    await alice.say("hello")
    await world.fake.wait_for(alice.inbox, "the type question")
    await alice.press("type:consultation", "Consultation", kind="list_reply")
    await world.fake.wait_for(lambda: len(alice.inbox()) == 2, "the subject question")
    subject_question = alice.inbox()[1]
    assert "subject" in alice.texts()[1]
    # Back and Cancel fit WhatsApp's reply buttons.
    assert subject_question["interactive"]["type"] == "button"
    assert interactive_ids(subject_question) == ["nav:back", "nav:cancel"]


async def test_image_with_caption_goes_into_the_file_store_with_the_bearer_token(world: World) -> None:
    alice = world.customer()
    await reach_screenshot_step(world, alice)
    await alice.send_media("image", PNG, "image/jpeg", caption="the black screen")
    [attachment] = await world.wait_rows(Attachment, 1)
    assert attachment.kind == "image" and attachment.size == len(PNG) and attachment.ticket_id is not None
    assert attachment.storage_key and world.services.files.read(attachment.storage_key) == PNG
    downloads = [c for c in world.fake.calls if c.path.startswith("/download/")]
    assert len(downloads) == 1
    messages = await world.rows(Message, Message.external_id.isnot(None))  # type: ignore[union-attr]
    assert messages[-1].text == "the black screen"
    await world.fake.wait_for(lambda: any("registered" in t for t in alice.texts()), "the ticket")


async def test_document_keeps_its_file_name(world: World) -> None:
    alice = world.customer()
    await reach_screenshot_step(world, alice)
    log = b"2026-11-22 09:00 recorder: no signal\n" * 50
    await alice.send_media("document", log, "text/plain", filename="recorder.log", caption="log")
    [attachment] = await world.wait_rows(Attachment, 1)
    assert (attachment.kind, attachment.filename, attachment.mime_type) == ("document", "recorder.log", "text/plain")
    assert attachment.storage_key and world.services.files.read(attachment.storage_key) == log


async def test_a_file_over_the_size_limit_is_refused_politely_without_downloading(start_app: StartApp) -> None:
    async with start_app(max_file_size=1000) as world:
        alice = world.customer()
        await reach_screenshot_step(world, alice)
        await alice.send_media("document", b"x" * 5000, "application/pdf", filename="big.pdf")
        await world.fake.wait_for(lambda: any("too large" in t for t in alice.texts()), "the size refusal")
        assert await world.count(Attachment) == 0
        assert not [c for c in world.fake.calls if c.path.startswith("/download/")]
        assert "big.pdf" in next(t for t in alice.texts() if "too large" in t)


async def test_the_same_payload_posted_twice_gives_one_message(world: World) -> None:
    alice = world.customer()
    payload = alice.notification("text", {"body": "hello"})
    first, second = await world.fake.post(payload), await world.fake.post(payload)
    assert first.status_code == second.status_code == 200
    await world.wait_rows(InboxEvent, 1, InboxEvent.status == "done")  # the repeat was dropped at the door
    assert await world.count(InboxEvent) == 1
    assert await world.count(Message) == 1
    await world.fake.wait_for(alice.inbox, "the answer")
    assert len(alice.inbox()) == 1


async def test_a_batch_of_entries_and_messages_is_handled_whole(world: World) -> None:
    phone = world.fake.phone_number_id
    alice, bob = ("15551230001", "Alice"), ("15551230002", "Bob")
    payload = notification(
        phone,
        messages=[message(alice[0], "text", {"body": "hello"}), message(alice[0], "text", {"body": "are you there?"})],
        contacts=[alice],
    )
    payload["entry"].append(entry(phone, [message(bob[0], "text", {"body": "hi"})], contacts=[bob]))
    assert (await world.fake.post(payload)).status_code == 200
    stored = await world.wait_rows(Message, 3)
    assert [(m.address, m.text) for m in stored] == [(alice[0], "hello"), (alice[0], "are you there?"), (bob[0], "hi")]
    assert [m.author for m in stored] == ["Alice", "Alice", "Bob"]


async def test_unsupported_types_get_a_polite_answer_and_never_block_the_rest(start_app: StartApp) -> None:
    async with start_app(default_language="ru") as world:
        alice = world.customer()
        raw = [
            message(alice.wa_id, "sticker", {"id": "1", "mime_type": "image/webp", "animated": False}),
            message(alice.wa_id, "location", {"latitude": 55.75, "longitude": 37.61, "name": "Office"}),
            message(alice.wa_id, "reaction", {"message_id": wamid(), "emoji": "👍"}),
            message(alice.wa_id, "unsupported", {}),
            message(alice.wa_id, "text", {"body": "привет"}),
        ]
        await world.fake.post(notification(world.fake.phone_number_id, messages=raw, contacts=[(alice.wa_id, "Алиса")]))
        await world.fake.wait_for(lambda: len(alice.inbox()) == 5, "four apologies and a greeting")
        assert sum("не умею читать" in t for t in alice.texts()) == 4
        [stored] = await world.rows(Message)
        assert stored.text == "привет"
        [identity] = await world.rows(Identity)
        assert identity.last_inbound_at is not None


async def test_a_message_for_another_business_number_is_ignored(world: World) -> None:
    alice = world.customer()
    other = notification("999999", messages=[message(alice.wa_id, "text", {"body": "hello"})])
    assert (await world.fake.post(other)).status_code == 200
    await world.wait_rows(InboxEvent, 1, InboxEvent.status == "done")
    assert await world.count(Message) == 0 and alice.inbox() == []


async def test_a_media_download_that_fails_for_now_is_retried_without_holding_up_the_others(world: World) -> None:
    alice, bob = world.customer("15551230001", "Alice"), world.customer("15551230002", "Bob")
    await reach_screenshot_step(world, alice)
    world.fake.fail_media_next(500, 1)
    media_id = world.fake.add_media(PNG, "image/png")
    image = message(alice.wa_id, "image", {"id": media_id, "mime_type": "image/png"})
    payload = notification(world.fake.phone_number_id, messages=[image, message(bob.wa_id, "text", {"body": "hi"})])
    await world.fake.post(payload)
    await world.wait_rows(Message, 1, Message.address == bob.wa_id)
    [attachment] = await world.wait_rows(Attachment, 1)
    assert attachment.storage_key and world.services.files.read(attachment.storage_key) == PNG
    [_row] = await world.wait_rows(InboxEvent, 1, InboxEvent.status == "done", InboxEvent.attempts == 1)
    assert await world.count(Message, Message.address == alice.wa_id, Message.external_id == image["id"]) == 1
