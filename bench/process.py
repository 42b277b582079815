"""Benchmarks that run `switchboard serve` as its own process wait for it here."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time

import httpx


async def wait_ready(app_url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    # Generous: on a loaded 2-core machine (a parallel test run) importing the app alone took 30 s.
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("switchboard serve exited; its output above says why")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{app_url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("switchboard serve did not become ready")
