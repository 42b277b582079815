"""A burst of signed WhatsApp webhook calls against the real app: acknowledgement latency and drain time.

    python -m bench.whatsapp_inbound --messages 500 --backend sqlite
    python -m bench.whatsapp_inbound --messages 500 --backend postgres

The app runs as `switchboard serve` in its own process (as deployed), the fake Graph API in this one.
All calls are posted at once (up to --concurrency in flight), each one message from one of
--customers people; Meta wants the median acknowledgement well under 250 ms, our target is 50 ms.
Then it waits until every stored call has been processed into the core and prints how long that took.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bench.process import wait_ready
from channels.whatsapp.signature import sign
from core.db import SessionFactory, create_engine, create_session_factory
from core.migrate import upgrade
from core.models import InboxEvent, Message
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fakes.whatsapp_payloads import message, notification
from tests.support.databases import fresh_database
from tests.support.servers import free_port, serve


def bodies(fake: FakeWhatsApp, messages: int, customers: int) -> list[bytes]:
    result = []
    for i in range(messages):
        sender = f"1555{i % customers:07d}"
        payload = notification(
            fake.phone_number_id,
            messages=[message(sender, "text", {"body": f"update {i}"})],
            contacts=[(sender, f"Customer {i % customers}")],
        )
        result.append(json.dumps(payload).encode())
    return result


async def count(sessions: SessionFactory, model: type[SQLModel], *where: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


def start_service(url: str, data_dir: Path, api_url: str, fake: FakeWhatsApp) -> tuple[subprocess.Popen[bytes], str]:
    """`switchboard serve` in its own process, so the load generator does not share its event loop."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "DATABASE_", "REDIS_"))}
    env.update({key.upper(): str(value) for key, value in fake.settings(api_url).items()})
    env.update({"DATABASE_URL": url, "DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", "OUTBOX_POLL_INTERVAL": "0.2"})
    process = subprocess.Popen([sys.executable, "-m", "switchboard", "serve", "--port", str(port)], env=env)
    return process, f"http://127.0.0.1:{port}"


async def run(backend: str, messages: int, customers: int, concurrency: int) -> dict[str, float]:
    fake = FakeWhatsApp()
    with tempfile.TemporaryDirectory() as directory:
        async with fresh_database(backend, Path(directory)) as url, serve(fake.app) as api_url:
            engine = create_engine(url)
            await upgrade(engine)  # as `switchboard migrate` would
            sessions = create_session_factory(engine)
            process, app_url = start_service(url, Path(directory) / "data", api_url, fake)
            try:
                await wait_ready(app_url, process)
                signed = [(body, sign(fake.app_secret, body)) for body in bodies(fake, messages, customers)]
                latencies: list[float] = []
                gate = asyncio.Semaphore(concurrency)
                limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
                async with httpx.AsyncClient(base_url=app_url, limits=limits, timeout=30) as client:

                    async def post(body: bytes, signature: str) -> None:
                        async with gate:
                            started = time.perf_counter()
                            response = await client.post(
                                "/whatsapp/webhook", content=body, headers={"X-Hub-Signature-256": signature}
                            )
                            latencies.append(time.perf_counter() - started)
                            response.raise_for_status()

                    burst_started = time.perf_counter()
                    await asyncio.gather(*(post(body, signature) for body, signature in signed))
                    acknowledged = time.perf_counter() - burst_started
                    while await count(sessions, InboxEvent, InboxEvent.status == "pending"):
                        await asyncio.sleep(0.2)
                    drained = time.perf_counter() - burst_started
                stored = await count(sessions, Message)
                failed = await count(sessions, InboxEvent, InboxEvent.status == "parked")
            finally:
                process.terminate()
                process.wait(timeout=30)
                await engine.dispose()
    latencies.sort()
    return {
        "messages": messages,
        "median_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[max(int(len(latencies) * 0.95) - 1, 0)] * 1000,
        "max_ms": latencies[-1] * 1000,
        "all_acknowledged_s": acknowledged,
        "all_processed_s": drained,
        "stored_messages": stored,
        "failed_calls": failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=10, help="calls in flight at once")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    # Shared machines skew latency; the load average says how much of the CPU the run had.
    load_before = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    result = asyncio.run(run(args.backend, args.messages, args.customers, args.concurrency))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"backend={args.backend} messages={result['messages']} concurrency={args.concurrency} "
        f"cpus={os.cpu_count()} load average before/after: {load_before} / {load}"
    )
    print(
        f"ack latency: median {result['median_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, max {result['max_ms']:.1f} ms"
    )
    print(
        f"all acknowledged after {result['all_acknowledged_s']:.2f} s; all processed after {result['all_processed_s']:.2f} s"
    )
    print(f"stored messages: {result['stored_messages']}; failed calls: {result['failed_calls']}")


if __name__ == "__main__":
    main()
