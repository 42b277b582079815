"""Steps many bot tests share: a customer opening a ticket, waiting for what someone was told."""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram import FakeUser, Topic
from tests.support.telegram import Telegram


def text_of(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


async def said(
    telegram: Telegram, person: FakeUser, fragment: str, timeout: float = 10.0, *, after: int = 0
) -> dict[str, Any]:
    """The newest message to `person` containing `fragment`, among those after the first `after`."""
    found: dict[str, Any] = await telegram.fake.wait_for(
        lambda: next((m for m in reversed(person.inbox()[after:]) if fragment in text_of(m)), None),
        f"{fragment!r} in {person.user['first_name']}'s chat",
        timeout,
    )
    return found


async def open_ticket(telegram: Telegram, customer: FakeUser, subject: str) -> int:
    """Walk the intake by typing answers; the ticket number the customer is told."""
    before = len(customer.inbox())
    await customer.send("/new")
    await telegram.fake.wait_for(lambda: len(customer.inbox()) > before, "the type question")
    await customer.send("1")
    await said(telegram, customer, "In a few words", after=before)
    await customer.send(subject)
    await said(telegram, customer, "Please describe it", after=before)
    await customer.send(f"Details of {subject}")
    await said(telegram, customer, "If you have a screenshot", after=before)
    await customer.send("skip")
    created = await said(telegram, customer, "is registered", after=before)
    return int(text_of(created).split("#")[1].split(" ")[0].rstrip(":"))


async def topic_of(telegram: Telegram, number: int) -> Topic:
    """The ticket's live topic, once its card is there (so the bot knows the topic is the ticket's)."""
    fake = telegram.fake

    def ready() -> Topic | None:
        topic = next((t for t in fake.topics.values() if f"#{number} " in t.name and not t.deleted), None)
        return topic if topic and fake.thread_messages(topic.thread_id) else None

    topic: Topic = await fake.wait_for(ready, f"the topic of #{number} with its card")
    return topic


async def in_topic(telegram: Telegram, thread_id: int, fragment: str) -> dict[str, Any]:
    """The first bot message in a topic containing `fragment`, once it is there."""
    fake = telegram.fake
    found: dict[str, Any] = await fake.wait_for(
        lambda: next((m for m in fake.thread_messages(thread_id) if fragment in text_of(m)), None),
        f"{fragment!r} in topic {thread_id}",
    )
    return found


async def in_group(
    telegram: Telegram, fragment: str, *, thread_id: int | None = None, after: int = 0
) -> dict[str, Any]:
    """The newest bot message in the agents' group (or one topic) containing `fragment`, after the first `after`."""
    fake = telegram.fake

    def newest() -> dict[str, Any] | None:
        pool = fake.thread_messages(thread_id) if thread_id else fake.chat_messages(fake.group_id)
        return next((m for m in reversed(pool[after:]) if fragment in text_of(m)), None)

    found: dict[str, Any] = await fake.wait_for(newest, f"{fragment!r} in the group")
    return found
