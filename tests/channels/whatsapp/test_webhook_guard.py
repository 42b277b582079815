"""The WhatsApp webhook refuses early (depth, bad JSON) and turns lone surrogates into U+FFFD."""

from __future__ import annotations

import json

from channels.whatsapp.signature import sign
from core.models import Message
from tests.channels.whatsapp.conftest import World


async def test_a_signed_body_nested_100000_deep_gets_400(world: World) -> None:
    deep = b'{"object": "whatsapp_business_account", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await world.fake.post_raw(deep, sign(world.fake.app_secret, deep))
    assert response.status_code == 400
    broken = b'{"object": "whatsapp_business_account", "entry": [}'
    assert (await world.fake.post_raw(broken, sign(world.fake.app_secret, broken))).status_code == 400


async def test_a_lone_surrogate_reaches_the_ticket_as_a_replacement_character(world: World) -> None:
    alice = world.customer()
    body = json.dumps(alice.notification("text", {"body": "half \ud800 a character"})).encode()  # "\ud800" escape
    response = await world.fake.post_raw(body, sign(world.fake.app_secret, body))
    assert response.status_code == 200
    [stored] = await world.wait_rows(Message, 1, Message.direction == "in")
    assert stored.text == "half \ufffd a character"
