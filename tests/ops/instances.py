"""`switchboard serve` as separate processes: what several instances behind a load balancer are."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx

from tests.support.servers import free_port


class Instance:
    def __init__(self, name: str, env: Mapping[str, str], log_dir: Path) -> None:
        self.name, self.env = name, env
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("w")
        self._start()

    def _start(self) -> None:
        self._log.flush()
        self._log_from = self.log_path.stat().st_size  # this start's own lines begin here
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "switchboard", "serve", "--port", str(self.port)],
            env={**self.env, "PUBLIC_URL": self.env.get("PUBLIC_URL") or self.url},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    async def ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        retries = 3
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    # free_port()'s port can be taken before the server binds it (by another test
                    # process's outgoing connection: the same ephemeral range); start on another.
                    if b"address already in use" in self.log_path.read_bytes()[self._log_from :] and retries:
                        retries -= 1
                        self._start()
                        continue
                    raise AssertionError(f"{self.name} exited:\n{self.log()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{self.url}/readyz", timeout=2)).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} did not become ready:\n{self.log()}")

    def kill(self) -> None:
        """`kill -9`: no shutdown, no last commit; what a crash or the OOM killer does."""
        self.process.kill()
        self.process.wait()
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def instance_env(**settings: str) -> dict[str, str]:
    """The test runner's environment without its Switchboard settings, plus `settings` (upper-cased)."""
    prefixes = ("DATABASE_", "DATA_", "TELEGRAM_", "WHATSAPP_", "REDIS_", "PUBLIC_URL", "WEBCHAT_", "LOG_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, **{k.upper(): v for k, v in settings.items()}}


@contextlib.asynccontextmanager
async def running(count: int, env: Mapping[str, str], log_dir: Path) -> AsyncIterator[list[Instance]]:
    """Start `count` instances on free ports and wait until each answers /readyz."""
    started = [Instance(f"instance-{chr(ord('a') + i)}", env, log_dir) for i in range(count)]
    try:
        await asyncio.gather(*(instance.ready() for instance in started))
        yield started
    finally:
        for instance in started:
            instance.stop()
