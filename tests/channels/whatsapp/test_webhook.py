"""The webhook's front door: Meta's handshake, signatures checked before anything is stored."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from channels.whatsapp.settings import WhatsAppSettingsError
from channels.whatsapp.signature import sign
from core.db import create_engine, create_session_factory
from core.models import InboundReceipt, InboxEvent, Message
from core.settings import Settings
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.channels.whatsapp.conftest import StartApp, World
from tests.fakes.whatsapp import FakeWhatsApp


async def test_handshake_echoes_the_challenge_only_for_our_verify_token(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.url) as client:
        params = {"hub.mode": "subscribe", "hub.verify_token": world.fake.verify_token, "hub.challenge": "1158201444"}
        ok = await client.get("/whatsapp/webhook", params=params)
        wrong = await client.get("/whatsapp/webhook", params={**params, "hub.verify_token": "guess"})
        missing = await client.get("/whatsapp/webhook", params={"hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text, ok.headers["content-type"].split(";")[0]) == (200, "1158201444", "text/plain")
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    assert missing.status_code == 403


async def test_forged_or_missing_signature_is_rejected_and_nothing_is_stored(world: World) -> None:
    alice = world.customer()
    body = json.dumps(alice.notification("text", {"body": "let me in"})).encode()
    unsigned = await world.fake.post_raw(body, None)
    forged = await world.fake.post_raw(body, sign("not-the-app-secret", body))
    tampered = await world.fake.post_raw(body.replace(b"let me in", b"let me out"), sign(world.fake.app_secret, body))
    garbage = await world.fake.post_raw(body, "sha256=zz")
    assert unsigned.status_code == 401
    assert [r.status_code for r in (forged, tampered, garbage)] == [403, 403, 403]
    assert await world.count(InboxEvent) == 0
    assert await world.count(Message) == 0 and await world.count(InboundReceipt) == 0


async def test_a_signed_body_that_is_not_a_notification_gets_a_clear_400(world: World) -> None:
    def change(value: dict[str, object]) -> bytes:
        entry = {"id": "1", "changes": [{"field": "messages", "value": value}]}
        return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()

    cases = [
        (b"{not json", "not JSON"),
        (b'{"object": "page", "entry": []}', "whatsapp_business_account"),
        # What the worker could not parse is refused at the door, not stored to fail there.
        (change({"messages": [{"from": "4915", "type": "text"}]}), "every message needs id, from and type"),
        (change({"contacts": ["Alice"], "messages": []}), "contacts must be a list of objects"),
        (change({"statuses": [{"id": "wamid.1", "status": "failed", "errors": "oops"}]}), "errors must be a list"),
    ]
    for body, hint in cases:
        response = await world.fake.post_raw(body, sign(world.fake.app_secret, body))
        assert response.status_code == 400 and hint in response.json()["error"]
    assert await world.count(InboxEvent) == 0


async def test_a_valid_call_is_stored_raw_and_acknowledged(world: World) -> None:
    response = await world.customer().say("hello")
    assert response.status_code == 200
    stored = await world.rows(InboxEvent)
    assert len(stored) == 1 and json.loads(stored[0].payload)["entry"][0]["changes"][0]["value"]["messages"]


async def test_whatsapp_is_off_without_an_access_token(app_url: str) -> None:
    async with httpx.AsyncClient(base_url=app_url) as client:
        response = await client.get("/whatsapp/webhook", params={"hub.mode": "subscribe"})
    assert response.status_code == 404


def test_a_token_without_the_app_secret_refuses_to_start(make_settings: Callable[..., AppSettings]) -> None:
    settings = make_settings(whatsapp_access_token="EAA", whatsapp_phone_number_id="1")
    with pytest.raises(WhatsAppSettingsError, match="WHATSAPP_APP_SECRET"):
        build_app(settings)


async def test_calls_stored_before_a_crash_are_processed_at_the_next_start(
    start_app: StartApp, fake_whatsapp: tuple[FakeWhatsApp, str], migrated: Settings
) -> None:
    fake, _ = fake_whatsapp
    alice = fake.customer("15551234567", "Alice")
    # What the webhook had stored when the process died before processing it.
    engine = create_engine(migrated.resolved_database_url)
    async with create_session_factory(engine)() as session, session.begin():
        payload = json.dumps(alice.notification("text", {"body": "hello"}))
        session.add(InboxEvent(channel="whatsapp", external_id="call-1", conversation=alice.wa_id, payload=payload))
    await engine.dispose()
    async with start_app() as world:
        await world.wait_rows(Message, 1)
        await fake.wait_for(alice.inbox, "the greeting after the restart")
        # Settled when its batch ends, which may come after the greeting went out.
        await world.wait_rows(InboxEvent, 1, InboxEvent.status == "done")
