"""Benchmarks that run `switchboard serve` as its own process wait for it here."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess

import httpx


async def wait_ready(app_url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError("switchboard serve exited; its output above says why")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{app_url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("switchboard serve did not become ready")
