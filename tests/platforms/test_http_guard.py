"""Doors refuse early: huge chunked bodies are cut off while streaming, measured on a real server process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench.process import wait_ready
from core.settings import Settings
from tests.fakes.whatsapp import FakeWhatsApp
from tests.support.servers import free_port, serve

MB = 1024 * 1024


def rss(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of process `pid` in bytes (VmHWM: the peak so far)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


@contextlib.asynccontextmanager
async def switchboard_serve(migrated: Settings, **env: str) -> AsyncIterator[tuple[subprocess.Popen[bytes], int]]:
    """`switchboard serve` as its own process, so its memory is its own."""
    port = free_port()
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "DATABASE_", "REDIS_"))}
    keep.update(
        {"DATABASE_URL": migrated.resolved_database_url, "DATA_DIR": str(migrated.data_dir), "LOG_LEVEL": "WARNING"}
    )
    keep.update(env)
    # A Popen, as the benches start it: wait_ready polls it while the server starts.
    process = subprocess.Popen([sys.executable, "-m", "switchboard", "serve", "--port", str(port)], env=keep)  # noqa: ASYNC220
    try:
        await wait_ready(f"http://127.0.0.1:{port}", process)
        yield process, port
    finally:
        process.terminate()
        process.wait(10)


async def chunked_post(port: int, path: str, headers: dict[str, str], total: int) -> tuple[int | None, int]:
    """POST `total` bytes in 64 KiB chunks without a length; (status answered or None, bytes sent)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked", "Content-Type: application/json"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    chunk = b"[" * (64 * 1024)
    sent = 0

    async def send() -> None:
        nonlocal sent
        with contextlib.suppress(ConnectionError):
            while sent < total:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
                sent += len(chunk)
            writer.write(b"0\r\n\r\n")
            await writer.drain()

    sending = asyncio.create_task(send())
    status: int | None = None
    with contextlib.suppress(ConnectionError):
        line = await asyncio.wait_for(reader.readline(), 60)
        status = int(line.split()[1]) if line else None
    sending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sending
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return status, sent


async def test_four_100_mb_chunked_posts_are_refused_while_the_server_memory_stays_flat(
    migrated: Settings,
) -> None:
    fake = FakeWhatsApp()
    async with serve(fake.app, access_log=False) as api_url:
        env = {key.upper(): str(value) for key, value in fake.settings(api_url).items()}
        async with switchboard_serve(migrated, **env) as (process, port):
            before = rss(process.pid)
            headers = {"X-Hub-Signature-256": "sha256=" + "0" * 64}
            results = await asyncio.gather(
                *(chunked_post(port, "/whatsapp/webhook", headers, 100 * MB) for _ in range(4))
            )
            peak = rss(process.pid, "VmHWM")
    assert [status for status, _ in results] == [413] * 4
    assert all(sent < 100 * MB for _, sent in results)  # refused before it all arrived
    assert peak - before < 20 * MB, f"server grew by {(peak - before) / MB:.1f} MB"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_the_peak_is_not_the_start_up_peak(migrated: Settings) -> None:
    """Guards the measurement above: a body the door does read raises the server's peak visibly."""
    fake = FakeWhatsApp()
    async with serve(fake.app, access_log=False) as api_url:
        env = {key.upper(): str(value) for key, value in fake.settings(api_url).items()}
        env["WHATSAPP_APP_SECRET"] = fake.app_secret
        async with switchboard_serve(migrated, **env) as (process, port):
            before = rss(process.pid)
            # 3 MB, just under the cap, four at once: read whole, then refused for its signature.
            results = await asyncio.gather(
                *(
                    chunked_post(port, "/whatsapp/webhook", {"X-Hub-Signature-256": "sha256=00"}, 3 * MB - 1)
                    for _ in range(4)
                )
            )
            peak = rss(process.pid, "VmHWM")
    assert [status for status, _ in results] == [403] * 4
    assert peak - before > 1 * MB
