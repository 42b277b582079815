from __future__ import annotations

from datetime import timedelta

from channels.email.loops import automatic_reason, claim_auto_reply
from channels.email.parse import parse_mail
from core.services import Services
from core.timeutil import utcnow
from tests.channels.email import samples

OURS = "support@switchboard.test"


def reason(raw: bytes) -> str | None:
    return automatic_reason(parse_mail(raw, max_file_size=1000), OURS)


def test_a_person_may_get_an_automatic_reply_robots_and_lists_not() -> None:
    assert reason(samples.thunderbird()) is None
    assert reason(samples.thunderbird(headers={"Auto-Submitted": "no"})) is None
    assert reason(samples.out_of_office()) == "Auto-Submitted: auto-replied"
    assert reason(samples.thunderbird(headers={"Precedence": "bulk"})) == "Precedence: bulk"
    assert reason(samples.thunderbird(headers={"List-Id": "<news.example.com>"})) == "List-Id"
    assert reason(samples.thunderbird(headers={"Return-Path": "<>"})) == "empty Return-Path"
    assert reason(samples.thunderbird(sender="MAILER-DAEMON@switchboard.test")) is not None
    assert reason(samples.thunderbird(sender="No Reply <noreply@shop.test>")) is not None
    assert reason(samples.thunderbird(sender=f"Support <{OURS}>")) == "our own address"
    assert reason(samples.bounce(original_message_id="<x@y>")) is not None


async def test_one_automatic_reply_per_sender_per_hour_kept_in_the_database(services: Services) -> None:
    now = utcnow()
    for at, expected in ((now, True), (now + timedelta(minutes=59), False), (now + timedelta(minutes=61), True)):
        assert await claim_auto_reply(services.sessions, "alice@switchboard.test", now=at) is expected
    assert await claim_auto_reply(services.sessions, "bob@switchboard.test", now=now) is True
