"""An agent's reply to a connected web visitor while the agents' group is being paced (issue 13).

    python -m bench.web_reply --visitors 40 --customers 30 --rounds 3 --backend sqlite
    python -m bench.web_reply --visitors 40 --customers 30 --rounds 3 --backend postgres

`switchboard serve` runs in its own process in Telegram webhook mode against the fake Bot API of
this process. Setup (not timed): with the group's pace lifted (TELEGRAM_GROUP_PER_MINUTE), each
web visitor opens a ticket over the widget's WebSocket and every ticket gets its topic; a Telegram
customers (--customers) open theirs. The service is then restarted on the same database with
Telegram's real pace (20 messages a minute into the group, enforced by the fake with 429s as well),
and every Telegram customer writes once, at the same moment: one message for each of their topics,
which the group takes over minutes. While that backlog waits, an agent answers each visitor in their topic, --rounds times, one reply
at a time: the clock runs from the agent's update POSTed to the webhook until the visitor's open
socket receives the reply. Printed: p50/p99/max of those times (target p99 < 200 ms) and how many
Telegram customers' messages were still not in the group when the last reply had arrived (so the
group was really paced).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.process import wait_ready
from bench.telegram_load import start_service, wait_until
from core.db import create_engine
from core.migrate import upgrade
from tests.channels.webchat.visitor import Visitor
from tests.fakes.telegram import FakeTelegram, FakeUser, Topic
from tests.support.databases import fresh_database
from tests.support.servers import serve

# The widget's socket from a script (no Origin header); the service's log level from the shell.
SETTINGS = {"WEBCHAT_ALLOWED_ORIGINS": "", "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING")}


def topic_of(fake: FakeTelegram, number: int) -> Topic | None:
    topic = next((t for t in fake.topics.values() if f"#{number} " in t.name), None)
    return topic if topic and fake.thread_messages(topic.thread_id) else None


async def setup(
    app_url: str, fake: FakeTelegram, visitors: int, customers: int
) -> tuple[list[tuple[Visitor, Topic]], list[tuple[FakeUser, Topic]]]:
    """Web visitors and Telegram customers with a ticket each, every ticket with its topic."""
    opened: list[tuple[Visitor, int]] = []
    for index in range(visitors):
        visitor = await Visitor(app_url).connect()
        registered = await visitor.open_ticket(f"Recorder {index} lost its archive")
        opened.append((visitor, int(registered["text"].split("#", 1)[1].split()[0].rstrip(":."))))
        await visitor.close()
    people = [fake.user(f"Customer {index}") for index in range(customers)]

    async def intake(person: FakeUser) -> None:
        for text in ("/new", "1", f"Network down at {person.id}", "Nothing works since 9:00", "skip"):
            await person.send(text)
            await asyncio.sleep(0.3)

    await asyncio.gather(*(intake(person) for person in people))
    await wait_until(lambda: all(topic_of(fake, number) for _, number in opened), "every visitor's topic", 120)
    await wait_until(lambda: len(fake.topics) >= visitors + customers, "every Telegram customer's topic", 120)
    by_name = {topic.name: topic for topic in fake.topics.values()}
    telegram = [(person, next(t for n, t in by_name.items() if f"at {person.id}" in n)) for person in people]
    return [(visitor, topic_of(fake, number)) for visitor, number in opened], telegram  # type: ignore[misc]


async def measure(
    app_url: str,
    fake: FakeTelegram,
    pairs: list[tuple[Visitor, Topic]],
    telegram: list[tuple[FakeUser, Topic]],
    rounds: int,
) -> tuple[list[float], int]:
    agent = fake.agent("Bob")
    for visitor, _ in pairs:
        visitor.base_url = app_url
        await visitor.connect()
    # Every Telegram customer writes at once: one message into each of their topics, which the
    # group's 20 a minute lets through over minutes.
    await asyncio.gather(*(person.send(f"Still down at {person.id}, any news?") for person, _ in telegram))
    await asyncio.sleep(1.0)
    timings: list[float] = []
    acks: list[float] = []
    # One kept-alive connection, as Telegram's servers keep theirs (FakeUser.send opens a client each time).
    client = httpx.AsyncClient(timeout=30)
    secret = {"X-Telegram-Bot-Api-Secret-Token": fake.webhook_secret or ""}
    for round_ in range(rounds):
        for index, (visitor, topic) in enumerate(pairs):
            text = f"Answer {round_}-{index}: restored from the backup."
            started = time.perf_counter()
            update = fake.new_update(message=agent.message(text=text, thread_id=topic.thread_id))
            response = await client.post(fake.webhook_url, json=update, headers=secret)
            response.raise_for_status()
            acknowledged = time.perf_counter() - started
            await visitor.reply_with(lambda event, text=text: text in (event.get("text") or ""))
            timings.append(time.perf_counter() - started)
            acks.append(acknowledged)
    await client.aclose()
    waiting = sum(
        1
        for person, topic in telegram
        if not any("any news?" in (m.get("text") or "") for m in fake.thread_messages(topic.thread_id))
    )
    print(f"  webhook acknowledged the agent's update: p50 {statistics.median(acks) * 1000:.1f} ms")
    for visitor, _ in pairs:
        await visitor.close()
    return timings, waiting


async def run(backend: str, visitors: int, customers: int, rounds: int) -> None:
    fake = FakeTelegram()
    with tempfile.TemporaryDirectory() as directory:
        async with serve(fake.app, access_log=False) as api_url, fresh_database(backend, Path(directory)) as url:
            engine = create_engine(url)
            await upgrade(engine)
            await engine.dispose()
            data_dir = Path(directory) / "data"
            process, app_url = start_service(
                url, data_dir, api_url, fake, extra={**SETTINGS, "TELEGRAM_GROUP_PER_MINUTE": "100000"}
            )
            try:
                await wait_ready(app_url, process)
                pairs, telegram = await setup(app_url, fake, visitors, customers)
            finally:
                process.terminate()
                process.wait(30)
            fake.limit("global", 30, per=1.0)
            fake.limit("group", 20, per=60.0)
            fake.limit("chat", 1, per=1.0)
            process, app_url = start_service(url, data_dir, api_url, fake, extra=SETTINGS)
            try:
                await wait_ready(app_url, process)
                await wait_until(lambda: fake.webhook_url.startswith(app_url), "the new webhook", 120)
                timings, waiting = await measure(app_url, fake, pairs, telegram, rounds)
            finally:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(15)
                await fake.close()
    ordered = sorted(timings)
    p99 = ordered[max(int(len(ordered) * 0.99) - 1, 0)]
    print(
        f"{backend:8} agent reply -> connected visitor, {len(ordered)} replies while the group was paced "
        f"({waiting} of {customers} Telegram customers' messages still waiting for the group): p50 {statistics.median(ordered) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=40)
    parser.add_argument("--customers", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        asyncio.run(run(backend, args.visitors, args.customers, args.rounds))


if __name__ == "__main__":
    main()
