"""Inbound messages per second through one and through two `switchboard serve` processes.

    python -m bench.inbound_instances --messages 2000 --customers 100 --concurrency 16

PostgreSQL (a fresh database on the test server) and Redis are shared by the processes, as in
production. Messages are Telegram updates POSTed to the webhook of each process in turn (a load
balancer's round robin), from customers with an open ticket: each is verified, stored once,
routed to the ticket and queued for the agents' forum, which a fake Bot API on 127.0.0.1 answers.
The rate counts from the first request to the last answer; every answer must be 200.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from core.messages import InboundMessage
from core.migrate import upgrade
from core.models import Direction, Message
from core.services import Services
from core.settings import Settings
from tests.fakes.telegram import FakeTelegram
from tests.ops.instances import instance_env, running
from tests.support.databases import fresh_database
from tests.support.servers import serve

SECRET = "bench-webhook-secret"


async def open_tickets(settings: Settings, fake: FakeTelegram, customers: int) -> list[Any]:
    services = Services.build(settings)
    try:
        await upgrade(services.engine)
        users = [fake.user(f"C{i}") for i in range(customers)]
        for user in users:
            steps: list[dict[str, Any]] = [
                {"text": "hello"},
                {"choice": "type:incident"},
                {"text": f"Ticket of {user.id}"},
                {"text": "It broke this morning."},
                {"choice": "nav:skip"},
            ]
            for n, step in enumerate(steps):
                await services.desk.receive(
                    InboundMessage(channel="telegram", sender=str(user.id), external_id=f"setup-{user.id}-{n}", **step)
                )
        return users
    finally:
        await services.engine.dispose()


async def run(processes: int, messages: int, customers: int, concurrency: int) -> dict[str, float]:
    fake = FakeTelegram()
    with tempfile.TemporaryDirectory() as directory:
        async with fresh_database("postgres", Path(directory)) as url, serve(fake.app) as api_url:
            settings = Settings(_env_file=None, database_url=url, data_dir=Path(directory) / "data")  # type: ignore[call-arg]
            users = await open_tickets(settings, fake, customers)
            env = instance_env(
                database_url=url,
                data_dir=str(Path(directory) / "data"),
                redis_url="redis://127.0.0.1:6379/0",
                redis_prefix=f"bench-{uuid.uuid4().hex[:8]}:",
                telegram_bot_token=fake.token,
                telegram_api_url=api_url,
                telegram_agent_chat_id=str(fake.group_id),
                telegram_webhook_secret=SECRET,
                telegram_global_per_second="100000",
                telegram_chat_per_second="100000",
                telegram_group_per_minute="1000000",
                log_level="WARNING",
            )
            updates = [
                fake.new_update(message=users[i % customers].message(text=f"update {i}")) for i in range(messages)
            ]
            async with running(processes, env, Path(directory)) as instances:
                targets = [f"{instance.url}/telegram/webhook" for instance in instances]
                queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue()
                for item in enumerate(updates):
                    queue.put_nowait(item)
                failures: list[int] = []
                limits = httpx.Limits(max_connections=concurrency * 2)
                async with httpx.AsyncClient(timeout=60, limits=limits) as client:

                    async def sender() -> None:
                        while not queue.empty():
                            i, update = queue.get_nowait()
                            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                            response = await client.post(targets[i % len(targets)], json=update, headers=headers)
                            if response.status_code != 200:
                                failures.append(response.status_code)

                    started = time.perf_counter()
                    await asyncio.gather(*(sender() for _ in range(concurrency)))
                    elapsed = time.perf_counter() - started
            services = Services.build(settings)
            try:
                async with services.sessions() as session:
                    query = (
                        select(func.count())
                        .select_from(Message)
                        .where(
                            Message.direction == Direction.INBOUND,
                            Message.text.like("update %"),  # type: ignore[arg-type,attr-defined]
                        )
                    )
                    stored = (await session.execute(query)).scalar_one()
            finally:
                await services.engine.dispose()
        await fake.close()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: {sorted(set(failures))}")
    return {"seconds": elapsed, "rate": messages / elapsed, "stored": stored}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    for processes in (1, 2):
        result = asyncio.run(run(processes, args.messages, args.customers, args.concurrency))
        print(
            f"postgres, {processes} process{'es' if processes > 1 else ''}: {args.messages} messages in "
            f"{result['seconds']:.2f}s = {result['rate']:.0f} messages/s (stored {int(result['stored'])})"
        )


if __name__ == "__main__":
    main()
