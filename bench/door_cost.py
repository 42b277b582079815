"""What a webhook acknowledgement costs the app itself: its ASGI callable driven in-process.

    python -m bench.door_cost --requests 5000 --backend sqlite
    python -m bench.door_cost --requests 5000 --backend postgres

bench.webhook_ack measures the doors over real sockets beside a bare endpoint, where the load
client, the server and PostgreSQL share this VM's two cores and the ratio drifts by ten points
between rounds. This bench leaves out the sockets, the client and the handling that follows: the
whole app (`build_app`, its middlewares and doors) is called by `--connections` tasks in this
process, with the inbox's worker told to take nothing until the measurement ends. It prints
acknowledgements per second and the process's CPU time per request, the figure a change to the
door path moves. Platforms are faked on 127.0.0.1 as in the tests.

2026-12-07 (5,000 requests, 32 tasks): SQLite Telegram 3,604 req/s at 249 us CPU per request,
WhatsApp 2,498 at 340 us; PostgreSQL Telegram 3,168 at 239 us, WhatsApp 2,428 at 317 us. Later, two
commits run side by side (two processes at once, so both see the VM's speed of the moment):
PostgreSQL WhatsApp 140/139 -> 121/125 us once its door stopped building the call's messages.
Evening, alternated: PostgreSQL Telegram 67-79 -> 55-66 us once the door's writer kept its connection
for a burst (8c134e7), WhatsApp 87-130 -> 67-100 us.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from typing import Any

from bench.databases import add_backend_option, chosen_backends
from bench.webhook_ack import platforms, telegram_requests, whatsapp_requests
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp

Call = tuple[str, list[tuple[bytes, bytes]], bytes]


def as_call(raw: bytes) -> Call:
    """A raw HTTP/1.1 request of bench.webhook_ack as (path, ASGI headers, body)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line, *lines = head.split(b"\r\n")
    headers = [(name.strip().lower(), value.strip()) for name, value in (line.split(b":", 1) for line in lines)]
    return request_line.split()[1].decode(), headers, body


async def call(app: Any, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


async def measure(app: Any, calls: list[Call], connections: int) -> tuple[float, float]:
    """(requests per second, CPU seconds per request) of `calls` from `connections` tasks."""
    todo = list(reversed(calls))
    refused: list[int] = []

    async def client() -> None:
        while todo:
            if (status := await call(app, *todo.pop())) != 200:
                refused.append(status)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if refused:
        raise SystemExit(f"{len(refused)} requests refused, first with {refused[0]}")
    return len(calls) / elapsed, cpu / len(calls)


async def run(backend: str, count: int, connections: int, warmup: int) -> None:
    telegram, whatsapp = FakeTelegram(), FakeWhatsApp()
    async with platforms(backend, telegram, whatsapp) as (_, app_env):
        os.environ.update(app_env("http://127.0.0.1:9"))
        from switchboard.app import build_app  # reads the environment just set

        app = build_app()
        async with app.router.lifespan_context(app):
            inbox = app.state.services.inbox
            parsers, inbox.parsers = inbox.parsers, {}  # the worker takes nothing: the doors alone
            doors = {
                "telegram": telegram_requests(telegram, warmup + count, customers=1000),
                "whatsapp": whatsapp_requests(whatsapp, warmup + count, customers=1000),
            }
            for name, raw in doors.items():
                calls = [as_call(request) for request in raw]
                await measure(app, calls[:warmup], connections)
                rate, cpu = await measure(app, calls[warmup:], connections)
                print(f"{backend:8} {name:8} {rate:7.0f} req/s  {cpu * 1e6:5.0f} us CPU per request", flush=True)
            inbox.parsers = parsers
        await telegram.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=200)
    add_backend_option(parser)
    args = parser.parse_args()
    for backend in chosen_backends(args):
        asyncio.run(run(backend, args.requests, args.connections, args.warmup))


if __name__ == "__main__":
    main()
