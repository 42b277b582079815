"""Broadcast a mass incident's update to N Telegram customers through the real app; print the rate.

    python -m bench.broadcast --customers 3000 --backend sqlite
    python -m bench.broadcast --customers 3000 --backend postgres

The fake Bot API (tests/fakes/telegram.py) is served over HTTP and enforces Telegram's 30 messages
per second overall with 429s; the app runs as `switchboard serve` would (build_app: bot, delivery
worker, timers). The N linked tickets are seeded straight into the database (walking N intakes
through the bot would measure the intake, not the broadcast). The clock runs from the broadcast's
commit until the last customer message is sent. Target: at least 27 messages/s and no 429.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, select
from starlette.responses import JSONResponse

from core import mass
from core.db import transaction
from core.desk import Agent
from core.migrate import upgrade
from core.models import Contact, Identity, OutboxMessage, OutboxStatus, Ticket, TicketType
from core.services import Services
from core.settings import Settings
from platforms.telegram.settings import TelegramSettings
from switchboard.app import build_app
from switchboard.settings import AppSettings
from tests.fakes.telegram import FakeTelegram
from tests.support.databases import fresh_database
from tests.support.servers import free_port, serve

Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Scope], Awaitable[None]]], Awaitable[None]]


class StatusCounter:
    """Wraps the fake Bot API and counts the HTTP statuses it answers (429s are what we watch)."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.counts: dict[int, int] = {}

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Scope], Awaitable[None]]
    ) -> None:
        if scope["type"] == "http" and scope["path"] == "/__statuses":
            await JSONResponse({str(code): n for code, n in self.counts.items()})(scope, receive, send)
            return

        async def counting(message: Scope) -> None:
            if message["type"] == "http.response.start":
                self.counts[message["status"]] = self.counts.get(message["status"], 0) + 1
            await send(message)

        await self.app(scope, receive, counting)


FIRST_USER = 5000


def fake_api(port: int, customers: int) -> None:
    """The fake Bot API in a process of its own, as Telegram is: the app's event loop cannot delay
    when it sees requests arrive, so its 30-per-second window judges what the app really sent."""
    fake = FakeTelegram()
    fake.limit("global", 30, per=1.0)
    for i in range(customers + 1):
        fake.user(f"C{i}", user_id=FIRST_USER + i)
    uvicorn.run(StatusCounter(fake.app), host="127.0.0.1", port=port, log_level="warning")


async def seed(services: Services, customers: int) -> Ticket:
    """One mass incident and `customers` Telegram customers' tickets linked to it."""
    async with transaction(services.sessions) as session:
        contacts = [Contact(name=f"Customer {i}", language="en") for i in range(customers + 1)]
        session.add_all(contacts)
        await session.flush()
        users = [FIRST_USER + i for i in range(customers + 1)]
        session.add_all(
            Identity(contact_id=c.id or 0, channel="telegram", address=str(u))
            for c, u in zip(contacts, users, strict=True)
        )
        parent = Ticket(
            number=900000,
            type=TicketType.MASS_INCIDENT,
            subject="Video archive unavailable",
            description="-",
            channel="telegram",
            address=str(users[0]),
            language="en",
            contact_id=contacts[0].id or 0,
        )
        session.add(parent)
        await session.flush()
        session.add_all(
            Ticket(
                number=900001 + i,
                type=TicketType.INCIDENT,
                subject="Archive",
                description="-",
                channel="telegram",
                address=str(user),
                language="en",
                contact_id=contact.id or 0,
                parent_id=parent.id,
            )
            for i, (contact, user) in enumerate(zip(contacts[1:], users[1:], strict=True))
        )
    return parent


async def sent_count(services: Services) -> tuple[int, int]:
    async with services.sessions() as session:
        query = select(OutboxMessage.status, func.count()).where(OutboxMessage.channel == "telegram")
        counts = dict((await session.execute(query.group_by(OutboxMessage.status))).all())
    return counts.get(OutboxStatus.SENT, 0), counts.get(OutboxStatus.FAILED, 0)


async def run(backend: str, customers: int, global_rate: int) -> dict[str, float]:
    port = free_port()
    api = multiprocessing.get_context("spawn").Process(target=fake_api, args=(port, customers), daemon=True)
    api.start()
    api_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(1200):
                try:
                    await client.get(f"{api_url}/__statuses")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            else:
                raise SystemExit("the fake Bot API did not start within a minute")
            with tempfile.TemporaryDirectory() as directory:
                async with fresh_database(backend, Path(directory)) as url:
                    result = await broadcast(url, Path(directory), api_url, customers, global_rate)
            statuses = (await client.get(f"{api_url}/__statuses")).json()
    finally:
        api.terminate()
        api.join()
    return {**result, "http_429": statuses.get("429", 0)}


async def broadcast(url: str, directory: Path, api_url: str, customers: int, global_rate: int) -> dict[str, float]:
    fake = FakeTelegram()  # only for its token and group id, which the served one shares
    settings = Settings(_env_file=None, database_url=url, data_dir=directory / "data", default_language="en")  # type: ignore[call-arg]
    telegram = TelegramSettings(
        _env_file=None,
        bot_token=fake.token,
        api_url=api_url,
        agent_chat_id=fake.group_id,
        global_per_second=global_rate,
    )  # type: ignore[call-arg]
    app = build_app(AppSettings(settings, (telegram,)))
    services: Services = app.state.services
    await upgrade(services.engine)
    async with serve(app):
        parent = await seed(services, customers)
        started = time.perf_counter()
        await services.desk.on_ticket(
            parent.number, lambda s, t: mass.broadcast(s, t, Agent("Bench"), "Storage is being replaced")
        )
        while True:
            sent, failed = await sent_count(services)
            if sent + failed >= customers + 1:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    messages = customers + 1
    return {"messages": messages, "sent": sent, "failed": failed, "seconds": elapsed, "rate": messages / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--global-rate", type=int, default=30, help="TELEGRAM_GLOBAL_PER_SECOND of the app")
    args = parser.parse_args()
    result = asyncio.run(run(args.backend, args.customers, args.global_rate))
    print(
        f"broadcast to {result['messages']:.0f} Telegram customers ({args.backend}): "
        f"{result['rate']:.1f} messages/s over {result['seconds']:.1f} s; "
        f"sent {result['sent']:.0f}, failed {result['failed']:.0f}; 429s received: {result['http_429']:.0f} "
        f"(target: >= 27 messages/s and no 429)"
    )


if __name__ == "__main__":
    main()
