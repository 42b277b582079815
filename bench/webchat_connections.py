"""Many concurrent web chat widget connections against one server process.

    python -m bench.webchat_connections --connections 5000 --sample 50
    python -m bench.webchat_connections --connections 5000 --backend postgres

The app runs as `switchboard serve` in its own process (DATA_DIR and the SQLite file in a temp dir,
127.0.0.1 only). Phase 1: open --connections widget WebSockets, each a new visitor (hello without a
token, so the server creates one and answers with a welcome), and read the server's VmRSS from
/proc before and after: the delta divided by the count is the server memory per socket (issue 16
asks for at most 30 KiB at 5,000; permessage-deflate alone cost ~42 KiB, so the client offers it as
browsers do, and the server must decline it).
Phase 2: for --sample of those visitors, open a second tab with the same token, then send "Hello"
on the first tab and time (a) until the second tab receives the visitor's own message event (the
server's fan-out to another connection of that visitor) and (b) until the first tab receives the
bot's reply (message round trip: send -> bot reply on the same socket).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.process import wait_ready
from core.db import create_engine
from core.migrate import upgrade
from tests.support.databases import fresh_database
from tests.support.servers import free_port

TIMEOUT = 30.0


def raise_file_limit(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE (inherited by the server child) as far as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def start_service(url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "DATABASE_", "REDIS_"))}
    env.update(
        {
            "DATABASE_URL": url,
            "DATA_DIR": str(data_dir),
            "LOG_LEVEL": "WARNING",
            "DEFAULT_LANGUAGE": "en",
            "WEBCHAT_ALLOWED_ORIGINS": "",
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "switchboard", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
    )
    return process, f"http://127.0.0.1:{port}"


async def frame(socket: ClientConnection, timeout: float = TIMEOUT) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout))
    return result


async def open_tab(ws_url: str, token: str | None) -> tuple[ClientConnection, str]:
    """Connect and say hello as the widget does; returns the socket and the visitor's token."""
    socket = await asyncio.wait_for(connect(ws_url, proxy=None, open_timeout=TIMEOUT), TIMEOUT)  # type: ignore[arg-type]
    await socket.send(json.dumps({"type": "hello", "token": token, "after": 0, "lang": "en"}))
    welcome = await frame(socket)
    if welcome.get("type") != "welcome":
        raise RuntimeError(f"expected a welcome, got {welcome}")
    return socket, welcome["token"] or token or ""


async def until(socket: ClientConnection, condition: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        received = await frame(socket, max(deadline - time.monotonic(), 0.01))
        if condition(received):
            return received


async def measure_one(first: ClientConnection, second: ClientConnection, index: int) -> tuple[float, float]:
    client_id = f"bench{index}"
    started = time.perf_counter()
    await first.send(json.dumps({"type": "message", "client_id": client_id, "text": "Hello", "choice": None}))

    async def fanned_out() -> float:
        await until(second, lambda f: f.get("type") == "event" and f.get("from") == "visitor")
        return time.perf_counter() - started

    async def replied() -> float:
        await until(first, lambda f: f.get("type") == "event" and f.get("from") != "visitor")
        return time.perf_counter() - started

    fan, reply = await asyncio.gather(fanned_out(), replied())
    return fan, reply


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(int(len(ordered) * 0.95) - 1, 0)]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms p95 {p95 * 1000:.1f} ms max {ordered[-1] * 1000:.1f} ms"


async def phases(app_url: str, pid: int, connections: int, sample: int, concurrency: int) -> None:
    ws_url = app_url.replace("http", "ws", 1) + "/webchat/ws"
    gate = asyncio.Semaphore(concurrency)
    tabs: list[tuple[ClientConnection, str]] = []
    extra: list[ClientConnection] = []

    async def opened(token: str | None = None) -> tuple[ClientConnection, str]:
        async with gate:
            return await open_tab(ws_url, token)

    try:
        await asyncio.sleep(1.0)  # let the server settle after startup
        before = rss_kib(pid)
        started = time.perf_counter()
        results = await asyncio.gather(*(opened() for _ in range(connections)), return_exceptions=True)
        tabs = [r for r in results if not isinstance(r, BaseException)]
        failures = [r for r in results if isinstance(r, BaseException)]
        open_time = time.perf_counter() - started
        await asyncio.sleep(2.0)  # let allocations settle before reading RSS
        after = rss_kib(pid)
        if failures:
            print(f"  {len(failures)} connections failed, first: {failures[0]!r}")
        delta = after - before
        print(
            f"{len(tabs)} connections (opened in {open_time:.1f} s): server RSS {before / 1024:.1f} -> "
            f"{after / 1024:.1f} MiB, +{delta / 1024:.1f} MiB"
        )
        print(f"server memory per socket: {delta / max(len(tabs), 1):.1f} KiB")

        chosen = tabs[:: max(len(tabs) // max(sample, 1), 1)][:sample]
        seconds = await asyncio.gather(*(opened(token) for _, token in chosen))
        extra = [socket for socket, _ in seconds]

        async def one(index: int) -> tuple[float, float]:
            async with gate:
                return await measure_one(chosen[index][0], extra[index], index)

        timings = await asyncio.gather(*(one(i) for i in range(len(chosen))), return_exceptions=True)
        good = [t for t in timings if not isinstance(t, BaseException)]
        bad = [t for t in timings if isinstance(t, BaseException)]
        if bad:
            print(f"  {len(bad)} sampled visitors timed out or failed, first: {bad[0]!r}")
        if good:
            print(
                f"fan-out to the visitor's second tab (send on tab 1 -> own message event on tab 2), "
                f"{len(good)} visitors, {concurrency} at a time, {len(tabs)} + {len(extra)} connections open: "
                f"{percentiles([t[0] for t in good])}"
            )
            print(
                f"message round trip (send -> bot reply on the same socket), {len(good)} visitors: "
                f"{percentiles([t[1] for t in good])}"
            )
    finally:

        async def close(socket: ClientConnection) -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(socket.close(), 5)

        await asyncio.gather(*(close(s) for s, _ in tabs), *(close(s) for s in extra))


async def run(backend: str, connections: int, sample: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        async with fresh_database(backend, Path(directory)) as url:
            engine = create_engine(url)
            await upgrade(engine)  # as `switchboard migrate` would
            await engine.dispose()
            process, app_url = start_service(url, Path(directory) / "data")
            try:
                await wait_ready(app_url, process)
                await phases(app_url, process.pid, connections, sample, concurrency)
            finally:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50, help="handshakes / sampled round trips in flight")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    # Each connection is a socket on both ends; the server child inherits this limit.
    limit = raise_file_limit(2 * (args.connections + args.sample) + 1024)
    print(
        f"webchat_connections backend={args.backend} connections={args.connections} sample={args.sample} "
        f"RLIMIT_NOFILE={limit}"
    )
    asyncio.run(run(args.backend, args.connections, args.sample, args.concurrency))


if __name__ == "__main__":
    main()
