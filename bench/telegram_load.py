"""The Telegram bot under load, in webhook mode against the fake Bot API.

    python -m bench.telegram_load --customers 200 --burst 60 --backend sqlite
    python -m bench.telegram_load --customers 200 --burst 60 --backend postgres

The app runs as `switchboard serve` in its own process with Telegram's real limits (1 msg/s per
chat, 20/min into the agents' group, 30/s overall); the fake Bot API runs in this one.
Phase 1: every customer sends /start at once (webhook POSTs, up to --concurrency in flight):
acknowledgement latency, and how long until every greeting was sent (the 30/s cap sets the floor).
Phase 2: one customer with a ticket sends --burst messages at once: how many group messages the
agents' topic received for them (combined under 20/min) and how long until every line was there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TypeVar

import httpx

from bench.process import wait_ready
from core.db import create_engine
from core.migrate import upgrade
from tests.fakes.telegram import FakeTelegram, FakeUser
from tests.support.databases import fresh_database
from tests.support.servers import free_port, serve

T = TypeVar("T")


def start_service(
    url: str, data_dir: Path, api_url: str, fake: FakeTelegram, *, extra: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """`switchboard serve` in webhook mode against `fake`; `extra`: more environment (settings)."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "DATABASE_", "REDIS_"))}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": api_url,
            "TELEGRAM_AGENT_CHAT_ID": str(fake.group_id),
            "TELEGRAM_WEBHOOK_SECRET": "bench-secret",
            "PUBLIC_URL": app_url,
            "DATABASE_URL": url,
            "DATA_DIR": str(data_dir),
            "LOG_LEVEL": "WARNING",
            "OUTBOX_POLL_INTERVAL": "0.2",
            "DEFAULT_LANGUAGE": "en",
            **(extra or {}),
        }
    )
    process = subprocess.Popen([sys.executable, "-m", "switchboard", "serve", "--port", str(port)], env=env)
    return process, app_url


async def wait_until(condition: object, what: str, timeout: float) -> float:
    start = time.monotonic()
    while not condition():  # type: ignore[operator]
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def post(client: httpx.AsyncClient, fake: FakeTelegram, person: FakeUser, text: str) -> float:
    update = fake.new_update(message=person.message(text=text))
    start = time.perf_counter()
    response = await client.post(
        fake.webhook_url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": fake.webhook_secret}
    )
    response.raise_for_status()
    return time.perf_counter() - start


async def with_service(backend: str, fake: FakeTelegram, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` while `switchboard serve` runs against `fake` on a fresh database, then stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        async with serve(fake.app) as api_url, fresh_database(backend, Path(tmp)) as url:
            engine = create_engine(url)
            await upgrade(engine)
            await engine.dispose()
            process, app_url = start_service(url, Path(tmp) / "data", api_url, fake)
            try:
                # The webhook is set while the app starts, before it listens: wait for both.
                await wait_ready(app_url, process)
                await wait_until(lambda: bool(fake.webhook_url), "setWebhook", 60)
                return await work()
            finally:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(10)
                await fake.close()


async def run(backend: str, customers: int, burst: int, concurrency: int) -> dict[str, float]:
    fake = FakeTelegram()
    return await with_service(backend, fake, lambda: phases(fake, customers, burst, concurrency))


async def phases(fake: FakeTelegram, customers: int, burst: int, concurrency: int) -> dict[str, float]:
    people = [fake.user(f"Customer {i}") for i in range(customers)]
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=60) as client:

        async def one(person: FakeUser, text: str) -> float:
            async with limit:
                return await post(client, fake, person, text)

        start = time.monotonic()
        latencies = await asyncio.gather(*(one(p, "/start") for p in people))
        drained = await wait_until(lambda: all(p.inbox() for p in people), "every greeting", 300)
        total = time.monotonic() - start

        alice = fake.user("Alice")
        for text in ("/new", "1", "Network down", "Nothing works since 9:00", "skip"):
            await post(client, fake, alice, text)
            await asyncio.sleep(0.3)
        await wait_until(
            lambda: any(m.get("message_thread_id") for m in fake.chat_messages(fake.group_id)), "the ticket's topic", 60
        )
        topic = next(iter(fake.topics.values()))
        before = len(fake.thread_messages(topic.thread_id))
        lines = [f"line {i:03d}" for i in range(burst)]
        for line in lines:
            await post(client, fake, alice, line)

        def all_there() -> bool:
            shown = "\n".join(m.get("text") or "" for m in fake.thread_messages(topic.thread_id))
            return all(line in shown for line in lines)

        burst_time = await wait_until(all_there, "every burst line in the topic", 300)
        group_messages = len(fake.thread_messages(topic.thread_id)) - before
    ordered = sorted(latencies)
    return {
        "ack_p50_ms": statistics.median(ordered) * 1000,
        "ack_p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "greetings_drained_s": drained,
        "greetings_per_s": customers / total,
        "burst_lines": float(burst),
        "burst_group_messages": float(group_messages),
        "burst_all_shown_s": burst_time,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--burst", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    result = asyncio.run(run(args.backend, args.customers, args.burst, args.concurrency))
    print(f"telegram_load backend={args.backend} customers={args.customers} burst={args.burst}")
    for key, value in result.items():
        print(f"  {key:>22}: {value:.1f}")


if __name__ == "__main__":
    main()
