"""Canned replies: managed from the group and the command line, sent with placeholders filled."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core.desk_models import CannedReply
from tests.support.telegram import Telegram
from tests.support.telegram_steps import in_group, open_ticket, said, text_of, topic_of
from tests.switchboard.test_contracts_cli import switchboard

pytestmark = pytest.mark.parametrize("mode", ["polling"])


async def test_canned_reply_reaches_the_customer_with_placeholders(telegram: Telegram) -> None:
    fake = telegram.fake
    alice = fake.user("Alice")
    number = await open_ticket(telegram, alice, "Badge reader")
    topic = await topic_of(telegram, number)
    bob = fake.agent("Bob")

    await bob.send("/canned add thanks Hello {name}! Request #{number} ({subject}) is with {agent}. {unknown}")
    await in_group(telegram, "Saved reply “thanks” added")
    await bob.send("/canned list")
    assert "thanks: Hello {name}!" in text_of(await in_group(telegram, "Saved replies:"))

    await bob.send("/r thanks", thread_id=topic.thread_id)
    sent = await said(telegram, alice, "Hello Alice!")
    assert text_of(sent).endswith(f"Hello Alice! Request #{number} (Badge reader) is with Bob. {{unknown}}")
    await in_group(telegram, "Sent to the customer:", thread_id=topic.thread_id)

    await bob.send("/r nosuch", thread_id=topic.thread_id)
    await in_group(telegram, "There is no saved reply “nosuch”", thread_id=topic.thread_id)
    await bob.send("/canned del thanks")
    await in_group(telegram, "Saved reply “thanks” deleted")
    assert await telegram.query(select(CannedReply.name)) == []


async def test_canned_replies_from_the_command_line(telegram: Telegram) -> None:
    settings = telegram.settings.core
    assert (await switchboard(settings, "canned", "add", "bye", "Bye, {name}"))[0] == 0
    code, out, _ = await switchboard(settings, "canned", "list")
    assert code == 0 and "bye\tBye, {name}" in out
    assert (await switchboard(settings, "canned", "del", "bye"))[0] == 0
    code, _, err = await switchboard(settings, "canned", "del", "bye")
    assert code == 2 and "no saved reply" in err
