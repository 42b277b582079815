from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from channels.email.inbound import CHANNEL, MailHandler
from channels.email.loops import automatic_reason, claim_auto_reply
from channels.email.parse import parse_mail
from core.db import transaction
from core.desk import Desk
from core.models import OutboxMessage
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
    async def claim(address: str, at: datetime) -> bool:
        async with transaction(services.sessions) as session:
            return await claim_auto_reply(session, address, at)

    now = utcnow()
    for at, expected in ((now, True), (now + timedelta(minutes=59), False), (now + timedelta(minutes=61), True)):
        assert await claim("alice@switchboard.test", at) is expected
    assert await claim("bob@switchboard.test", now) is True


async def test_a_request_that_fails_before_its_commit_leaves_the_sender_s_automatic_reply(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = MailHandler(services.desk, address=OURS, max_file_size=1000)
    services.desk.guard_auto_replies(CHANNEL, claim_auto_reply)
    echo = Desk._echo
    failures = ["crash before the commit"]

    async def failing_once(self: Desk, *args: Any) -> None:
        if failures:
            raise RuntimeError(failures.pop())
        await echo(self, *args)

    monkeypatch.setattr(Desk, "_echo", failing_once)
    raw = samples.thunderbird()
    [message] = await handler.messages(raw, "1:1")
    with pytest.raises(RuntimeError):
        await services.desk.receive(message)
    [message] = await handler.messages(raw, "1:1")  # the inbox's retry parses the stored mail again
    await services.desk.receive(message)

    async with services.sessions() as session:
        rows = (await session.execute(select(OutboxMessage).where(col(OutboxMessage.channel) == CHANNEL))).scalars()
        automatic = [row for row in rows if row.payload.get("meta", {}).get("automatic")]
    assert len(automatic) == 1  # the request's automatic reply, taken by the try that was committed
