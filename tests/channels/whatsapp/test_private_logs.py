"""Log lines of a WhatsApp conversation carry no phone number, e-mail address or name in clear."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from switchboard.observability.logs import make_handler
from switchboard.settings import AppSettings
from tests.channels.whatsapp.conftest import StartApp

PHONE = "79991234567"


@pytest.fixture
def capture(make_settings: Callable[..., AppSettings]) -> Iterator[Callable[..., io.StringIO]]:
    handlers: list[logging.Handler] = []
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)

    def _capture(**overrides: object) -> io.StringIO:
        stream = io.StringIO()
        handler = make_handler(make_settings(**overrides), stream)
        handlers.append(handler)
        root.addHandler(handler)
        return stream

    try:
        yield _capture
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(level)


async def test_no_phone_number_email_or_name_reaches_the_log(
    start_app: StartApp, capture: Callable[..., io.StringIO]
) -> None:
    text, json_lines = capture(), capture(log_format="json")
    async with start_app() as world:
        olga = world.customer(PHONE, "Olga Petrova")
        await olga.say("hi, write to olga.petrova@example.com or +7 999 123-45-67")
        await world.fake.wait_for(lambda: len(olga.inbox()) >= 1, "the first question")
    for stream in (text, json_lines):
        lines = stream.getvalue()
        assert "inbound message stored" in lines and "address" in lines
        for personal in (PHONE, "olga.petrova@example.com", "Olga Petrova", "999 123-45-67"):
            assert personal not in lines


async def test_log_personal_data_shows_the_address_for_debugging(
    start_app: StartApp, capture: Callable[..., io.StringIO]
) -> None:
    text = capture(log_personal_data=True)
    async with start_app() as world:
        olga = world.customer(PHONE, "Olga Petrova")
        await olga.say("hello")
        await world.fake.wait_for(lambda: len(olga.inbox()) >= 1, "the first question")
    assert f"address={PHONE}" in text.getvalue()
