"""Webhook acknowledgements side by side with a bare FastAPI JSON endpoint (issue 13).

    python -m bench.webhook_ack --requests 3000 --connections 32 --backend sqlite
    python -m bench.webhook_ack --requests 3000 --connections 32 --backend postgres

Two server processes under the same uvicorn: a bare endpoint that parses the JSON body and answers
`{}`, and `switchboard serve` with Telegram (webhook mode, secret) and WhatsApp (signed calls) on,
their platforms faked in this process. Each measurement is `--requests` POSTs with distinct update
ids / message ids from `--connections` keep-alive connections of a small raw HTTP/1.1 client
(bodies and signatures are built beforehand, so the client costs little). Each webhook gets
`--warmup` unmeasured POSTs first (a process's first requests pay for imports and compiled
statements once), then `--rounds` rounds of: wait until the app is quiet (nothing pending in the
inbox, every reply to a customer delivered), measure the bare endpoint, measure the webhook. A
round prints req/s, p50/p99 and the ratio to the bare endpoint just measured (this VM's speed
drifts between runs, neighbours compare), then how long the app took to handle what it had
acknowledged; each webhook ends with the median ratio and p99 over its rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import multiprocessing
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import text

from bench.process import wait_ready
from channels.whatsapp.signature import sign
from core.db import create_engine
from core.migrate import upgrade
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fakes.whatsapp_payloads import message, notification
from tests.support.databases import fresh_database
from tests.support.servers import free_port, serve

SECRET = "bench-secret"

bare = FastAPI()


@bare.post("/hook")
async def hook(request: Request) -> dict[str, Any]:
    await request.json()
    return {}


def request_bytes(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    head += [f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def one_connection(port: int, requests: list[bytes], latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while requests:
            raw = requests.pop()
            start = time.perf_counter()
            writer.write(raw)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def load(port: int, requests: list[bytes], connections: int) -> dict[str, float]:
    """The load from a process of its own: the fake platforms served in this one answer the app's
    sends while it works, and sharing their event loop delayed the client's reads (p99 ~300 ms)."""
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, _load_in_process, port, requests, connections)


def _load_in_process(port: int, requests: list[bytes], connections: int) -> dict[str, float]:
    return asyncio.run(_load(port, requests, connections))


async def _load(port: int, requests: list[bytes], connections: int) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[int] = []
    queue = list(reversed(requests))
    start = time.perf_counter()
    await asyncio.gather(*(one_connection(port, queue, latencies, errors) for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. HTTP {errors[0]}")
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def telegram_requests(fake: FakeTelegram, count: int, customers: int) -> list[bytes]:
    people = [fake.user(f"Customer {n}") for n in range(customers)]
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    return [
        request_bytes(
            "/telegram/webhook",
            json.dumps(fake.new_update(message=people[n % customers].message(text=f"hello {n}"))).encode(),
            headers,
        )
        for n in range(count)
    ]


def whatsapp_requests(fake: FakeWhatsApp, count: int, customers: int) -> list[bytes]:
    requests = []
    for n in range(count):
        wa_id = f"1555{n % customers:07d}"
        payload = notification(
            fake.phone_number_id,
            messages=[message(wa_id, "text", {"body": f"hello {n}"})],
            contacts=[(wa_id, f"Customer {n % customers}")],
        )
        body = json.dumps(payload).encode()
        requests.append(request_bytes("/whatsapp/webhook", body, {"X-Hub-Signature-256": sign(fake.app_secret, body)}))
    return requests


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", *command], env=env)


INBOX_PENDING = "SELECT count(*) FROM inbox_event WHERE status = 'pending'"
# Replies to customers not yet delivered, and agents' group posts due now. After the Telegram load
# the replies wait out Telegram's 1/s per chat (3,000 over 200 chats: ~15 s, ~200 sends/s) and
# would be delivered while the next door is measured; the agents' group's backlog (20 posts/min)
# trickles for an hour and is left to trickle.
OUTBOX_DUE = (
    "SELECT count(*) FROM outboxmessage WHERE status = 'PENDING' AND (channel != 'agents' OR next_attempt_at <= :now)"
)


async def pending(url: str, query: str = INBOX_PENDING) -> int:
    now = datetime.now(UTC)
    if url.startswith("sqlite"):
        # A plain read: the service's engine would BEGIN IMMEDIATE and, from this busy process,
        # hold the write lock long enough to stall the app's writers.
        with contextlib.closing(sqlite3.connect(url.partition(":///")[2])) as connection:
            return int(connection.execute(query, {"now": now.replace(tzinfo=None).isoformat(sep=" ")}).fetchone()[0])
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(text(query), {"now": now})).scalar_one())
    finally:
        await engine.dispose()


async def quiet(url: str, timeout: float = 120) -> None:
    """Until the inbox is drained and the outbox has nothing due: the next load meets an idle app."""
    deadline = time.monotonic() + timeout
    while await pending(url) or await pending(url, OUTBOX_DUE):
        if time.monotonic() > deadline:
            print(f"  (not quiet after {timeout:.0f} s: measuring anyway)", flush=True)
            return
        await asyncio.sleep(0.5)


async def drain(url: str, timeout: float = 600) -> tuple[float, int]:
    start = time.monotonic()
    while (left := await pending(url)) and time.monotonic() - start < timeout:
        await asyncio.sleep(0.5)
    return time.monotonic() - start, left


@contextlib.asynccontextmanager
async def platforms(
    backend: str, telegram: FakeTelegram, whatsapp: FakeWhatsApp
) -> AsyncIterator[tuple[str, Callable[[str], dict[str, str]]]]:
    """A fresh migrated database and both platforms faked on 127.0.0.1: its URL, and the app's
    environment (Telegram webhook with SECRET, signed WhatsApp) for a public URL."""
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            fresh_database(backend, Path(tmp)) as url,
            serve(telegram.app) as telegram_api,
            serve(whatsapp.app) as whatsapp_api,
        ):
            engine = create_engine(url)
            await upgrade(engine)  # as `switchboard migrate` would
            await engine.dispose()

            def env(public_url: str) -> dict[str, str]:
                return {
                    **{key.upper(): str(value) for key, value in whatsapp.settings(whatsapp_api).items()},
                    "TELEGRAM_BOT_TOKEN": telegram.token,
                    "TELEGRAM_API_URL": telegram_api,
                    "TELEGRAM_AGENT_CHAT_ID": str(telegram.group_id),
                    "TELEGRAM_WEBHOOK_SECRET": SECRET,
                    "PUBLIC_URL": public_url,
                    "DATABASE_URL": url,
                    "DATA_DIR": str(Path(tmp) / "data"),
                    "LOG_LEVEL": "WARNING",
                }

            yield url, env


async def run(backend: str, count: int, connections: int, customers: int, warmup: int, only: str, rounds: int) -> None:
    telegram, whatsapp = FakeTelegram(), FakeWhatsApp()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "DATABASE_", "REDIS_"))}
    async with platforms(backend, telegram, whatsapp) as (url, app_env):
        bare_port, app_port = free_port(), free_port()
        env = {**base, **app_env(f"http://127.0.0.1:{app_port}")}
        processes = [
            start(["uvicorn", "bench.webhook_ack:bare", "--port", str(bare_port), "--log-level", "warning"], base),
            start(["switchboard", "serve", "--port", str(app_port)], env),
        ]
        try:
            await wait_ready(f"http://127.0.0.1:{app_port}", processes[1])
            await asyncio.sleep(1)  # the bare server starts faster; let both settle
            doors = {
                "telegram webhook": telegram_requests(telegram, warmup + rounds * count, customers),
                "whatsapp webhook": whatsapp_requests(whatsapp, warmup + rounds * count, customers),
            }
            bare_requests = [request_bytes("/hook", b'{"update_id": 1}', {})] * count
            print(
                f"backend {backend}, {count} requests per measurement after {warmup} to warm up,"
                f" {connections} connections, {rounds} round(s)",
                flush=True,
            )
            await load(bare_port, bare_requests[:warmup], connections)
            for name, requests in doors.items():
                if only and only not in name:
                    continue
                if warmup:
                    await load(app_port, requests[:warmup], connections)
                ratios, p99s = [], []
                for index in range(rounds):
                    await quiet(url)
                    # The bare endpoint just before the door: this VM's speed drifts between
                    # runs (bare 5-11k req/s), a ratio of neighbours is what can be compared.
                    bare_numbers = await load(bare_port, bare_requests, connections)
                    batch = requests[warmup + index * count : warmup + (index + 1) * count]
                    numbers = await load(app_port, batch, connections)
                    ratios.append(numbers["rps"] / bare_numbers["rps"])
                    p99s.append(numbers["p99_ms"])
                    print(
                        f"  {name:18} {numbers['rps']:8.0f} req/s  p50 {numbers['p50_ms']:6.1f} ms"
                        f"  p99 {numbers['p99_ms']:6.1f} ms  ({ratios[-1]:.0%} of bare's"
                        f" {bare_numbers['rps']:.0f} req/s, p99 {bare_numbers['p99_ms']:.1f} ms)",
                        flush=True,
                    )
                    drained, left = await drain(url)
                    print(
                        f"  {'':18} inbox drained {drained:.1f} s after the last acknowledgement"
                        + (f" ({left} still pending)" if left else ""),
                        flush=True,
                    )
                print(
                    f"  {name:18} median of {rounds}: {statistics.median(ratios):.0%} of bare,"
                    f" p99 {statistics.median(p99s):.1f} ms (worst round {min(ratios):.0%}, {max(p99s):.1f} ms)",
                    flush=True,
                )
        finally:
            for process in processes:
                process.terminate()
                process.wait(10)
        await telegram.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000, help="POSTs per target")
    parser.add_argument("--connections", type=int, default=32)
    # Fewer than --customers: each warm-up sender writes once, so its answers leave no backlog
    # paced per recipient (WhatsApp's pair limit) for the measured load to compete with.
    parser.add_argument("--warmup", type=int, default=100, help="unmeasured POSTs per target first")
    parser.add_argument("--only", choices=["telegram", "whatsapp"], help="the bare endpoint and this webhook")
    parser.add_argument("--customers", type=int, default=200, help="distinct senders the requests rotate over")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per webhook, each after the bare one")
    args = parser.parse_args()
    asyncio.run(
        run(args.backend, args.requests, args.connections, args.customers, args.warmup, args.only or "", args.rounds)
    )


if __name__ == "__main__":
    main()
