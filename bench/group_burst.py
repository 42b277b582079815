"""An outage: many reports in one minute into an agents' group that takes 20 messages a minute.

    python -m bench.group_burst --reports 300 --window 60 --backend sqlite
    python -m bench.group_burst --reports 30 --window 60 --mode topics    # the same without a mass incident

The app runs as `switchboard serve` with Telegram's real limits (20/min into the group, 1/s per
chat, 30/s overall); the fake Bot API runs in this process. An agent marks the first report a
mass incident (/mass); then --reports customers write within --window seconds, evenly spread.
`mass`: each customer's report is offered the open incident and joins it; the incident's card
counts them (edited in place). `topics`: every report opens a topic of its own (the 2 group
messages per report that the budget makes slow). Printed: how long until agents saw every report
counted somewhere (the card's count, or a topic with its card) after the last one arrived, and
how many group requests it cost, by method.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter
from typing import Any

import httpx

from bench.telegram_load import wait_until, with_service
from tests.fakes.telegram import FakeTelegram, FakeUser

GROUP_METHODS = {
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "copyMessage",
    "editMessageText",
    "createForumTopic",
    "editForumTopic",
    "closeForumTopic",
    "reopenForumTopic",
}


def said(person: FakeUser, fragment: str) -> dict[str, Any] | None:
    return next((m for m in reversed(person.inbox()) if fragment in str(m.get("text") or "")), None)


async def until_said(person: FakeUser, fragment: str, timeout: float = 600) -> dict[str, Any]:
    await wait_until(
        lambda: said(person, fragment) is not None, f"{fragment!r} to {person.user['first_name']}", timeout
    )
    found = said(person, fragment)
    assert found is not None
    return found


async def report(fake: FakeTelegram, person: FakeUser, parent: int | None, index: int) -> None:
    """One customer's outage report: joining the open mass incident, or a full request of its own."""
    await person.send("/new")
    await until_said(person, "What kind of request is it?")
    await person.send("1")
    if parent is not None:
        offer = await until_said(person, "Is your problem this one?")
        await person.press(f"mass:{parent}", offer)
        await until_said(person, "is linked to the known problem")
        return
    await until_said(person, "In a few words")
    await person.send(f"Cameras down at site {index}")
    await until_said(person, "Please describe it")
    await person.send("Nothing records since 9:00")
    await until_said(person, "If you have a screenshot")
    await person.send("skip")
    await until_said(person, "is registered")


def group_calls(fake: FakeTelegram, since: int) -> Counter[str]:
    return Counter(
        c.method for c in fake.calls[since:] if c.method in GROUP_METHODS and c.params.get("chat_id") == fake.group_id
    )


async def outage(fake: FakeTelegram, reports: int, window: float, mode: str) -> dict[str, float]:
    alice, bob = fake.user("Alice"), fake.agent("Bob")
    parent: int | None = None
    if mode == "mass":
        await report(fake, alice, None, 0)
        await wait_until(lambda: len(fake.topics) == 1 and fake.thread_messages(next(iter(fake.topics))), "topic", 120)
        thread = next(iter(fake.topics))
        await bob.send("/mass", thread_id=thread)
        await wait_until(lambda: "Mass incident" in str(fake.thread_messages(thread)[0].get("text")), "the mark", 120)
        parent = int(str(fake.thread_messages(thread)[0]["text"]).split("#")[1].split()[0])
    people = [fake.user(f"Customer {i}") for i in range(reports)]
    since = len(fake.calls)
    start = time.monotonic()

    async def spread(index: int, person: FakeUser) -> None:
        await asyncio.sleep(index * window / reports)
        await report(fake, person, parent, index)

    await asyncio.gather(*(spread(i, p) for i, p in enumerate(people)))
    arrived = time.monotonic() - start

    def counted() -> bool:
        if parent is not None:
            card = str(fake.thread_messages(next(iter(fake.topics)))[0].get("text") or "")
            return f"Linked: {reports} requests" in card
        cards = [t for t in fake.topics.values() if fake.thread_messages(t.thread_id)]
        return len(cards) >= reports

    await wait_until(counted, "every report counted in the group", 3600)
    done = time.monotonic() - start
    calls = group_calls(fake, since)
    return {
        "reports": float(reports),
        "last_report_in_s": arrived,
        "all_counted_s": done,
        "counted_after_last_s": done - arrived,
        "group_requests": float(sum(calls.values())),
        **{f"  {method}": float(n) for method, n in sorted(calls.items())},
    }


async def listening(fake: FakeTelegram, timeout: float = 60) -> None:
    """The app serves requests (it registers its webhook and menus before it listens)."""
    deadline = time.monotonic() + timeout
    app_url = fake.webhook_url.split("/telegram/")[0]
    async with httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"{app_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.1)


async def run(backend: str, reports: int, window: float, mode: str) -> dict[str, float]:
    fake = FakeTelegram()
    fake.limit("group", 20, per=60.0)  # Telegram's own answer (429) if the bot ever sent more

    async def work() -> dict[str, float]:
        await listening(fake)
        return await outage(fake, reports, window, mode)

    return await with_service(backend, fake, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which the reports arrive")
    parser.add_argument("--mode", choices=["mass", "topics"], default="mass")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    result = asyncio.run(run(args.backend, args.reports, args.window, args.mode))
    print(f"group_burst backend={args.backend} mode={args.mode} reports={args.reports} window={args.window:.0f}s")
    for key, value in result.items():
        print(f"  {key:>22}: {value:.1f}")


if __name__ == "__main__":
    main()
