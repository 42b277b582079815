"""Push N inbound messages onto existing tickets and print messages per second (issue 13: end to end).

    python -m bench.inbound --messages 5000 --backend sqlite                  # through the inbox
    python -m bench.inbound --messages 5000 --backend postgres --path core    # the core alone

Each message is fully handled: receipt (idempotency), identity, stored message, routing to the
customer's open ticket, and the event for the agents' desk queued in the outbox, all committed.

--path inbox (the default) is the whole inbound path after a platform's door: --concurrency doors
store raw events in the core inbox (as webhooks do, each waiting for its commit, that is its
acknowledgement) while the inbox's worker claims them, parses them and hands them to the desk; the
clock runs from the first store until every event is marked done. Checked afterwards: every message
stored once and each ticket's messages in the order they were sent.
--path core calls the desk directly, --concurrency messages in flight; messages that arrive together
share a transaction (core/express.py), so one message at a time (--concurrency 1) is the slowest case.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict

from sqlalchemy import func, select
from sqlmodel import col

from bench.databases import add_backend_option, chosen_backends, migrated_services
from core.messages import InboundMessage
from core.models import InboxEvent, Message, OutboxMessage
from core.services import Services
from tests.support.customers import CoreCustomer

CHANNEL = "bench"


async def parse(payload: str) -> list[InboundMessage]:
    """The bench channel's parser: what a channel's parser does with its platform's payload."""
    data = json.loads(payload)
    return [InboundMessage(channel=CHANNEL, sender=data["from"], external_id=data["id"], text=data["text"])]


async def through_core(services: Services, messages: list[InboundMessage], concurrency: int) -> float:
    queue: asyncio.Queue[InboundMessage] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)

    async def worker() -> None:
        while not queue.empty():
            await services.desk.receive(queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


async def through_inbox(services: Services, messages: list[InboundMessage], concurrency: int) -> float:
    inbox = services.inbox
    inbox.register(CHANNEL, parse)
    queue: asyncio.Queue[InboundMessage] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)

    async def door() -> None:
        while not queue.empty():
            message = queue.get_nowait()
            payload = json.dumps({"from": message.sender, "id": message.external_id, "text": message.text})
            await inbox.store(CHANNEL, message.external_id, message.sender, payload)

    async with services.sessions() as session:
        before = (await session.execute(select(func.max(col(InboxEvent.id))))).scalar_one() or 0
    worker = asyncio.create_task(inbox.run(), name="bench-inbox")
    started = time.perf_counter()
    try:
        await asyncio.gather(*(door() for _ in range(concurrency)))
        while await _done(services, before) < len(messages):
            await asyncio.sleep(0.02)
        return time.perf_counter() - started
    finally:
        worker.cancel()


async def _done(services: Services, after_id: int) -> int:
    """Events stored after `after_id` that are done (the queue's index: status, id)."""
    async with services.sessions() as session:
        query = (
            select(func.count())
            .select_from(InboxEvent)
            .where(col(InboxEvent.status) == "done", col(InboxEvent.id) > after_id)
        )
        return int((await session.execute(query)).scalar_one())


async def check_once_and_in_order(services: Services, messages: list[InboundMessage]) -> str:
    async with services.sessions() as session:
        rows = (
            await session.execute(
                select(col(Message.ticket_id), col(Message.external_id))
                .where(col(Message.channel) == CHANNEL, col(Message.external_id).like("b%"))
                .order_by(col(Message.id))
            )
        ).all()
    seen = [str(external_id) for _, external_id in rows]
    if sorted(seen) != sorted(m.external_id for m in messages):
        return f"MISMATCH: {len(seen)} stored ({len(set(seen))} distinct) of {len(messages)} sent"
    by_ticket: dict[int | None, list[int]] = defaultdict(list)
    for ticket_id, external_id in rows:
        by_ticket[ticket_id].append(int(str(external_id)[1:]))
    disordered = sum(1 for numbers in by_ticket.values() if numbers != sorted(numbers))
    if disordered:
        return f"OUT OF ORDER in {disordered} tickets"
    return "each once, in order"


async def customers_with_tickets(services: Services, customers: int, messages: int) -> list[InboundMessage]:
    """`customers` customers open a ticket each through the desk; `messages` updates onto those
    tickets, the customers taking turns (b0, b1, ... in the order they are to be sent)."""
    people = [CoreCustomer(services, f"c{n}", channel=CHANNEL) for n in range(customers)]
    for person in people:
        await person.open_ticket(f"Ticket of {person.address}")
    return [
        InboundMessage(channel=CHANNEL, sender=people[n % customers].address, external_id=f"b{n}", text=f"update {n}")
        for n in range(messages)
    ]


async def run(backend: str, messages: int, customers: int, concurrency: int, path: str) -> dict[str, object]:
    async with migrated_services(backend) as services:
        batch = await customers_with_tickets(services, customers, messages)
        async with services.sessions() as session:
            queued_before = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
        go = through_inbox if path == "inbox" else through_core
        elapsed = await go(services, batch, concurrency)
        async with services.sessions() as session:
            queued = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
        check = await check_once_and_in_order(services, batch)
    return {"seconds": elapsed, "rate": messages / elapsed, "queued": queued - queued_before, "check": check}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--path", choices=["inbox", "core"], default="inbox")
    add_backend_option(parser)
    args = parser.parse_args()
    for backend in chosen_backends(args):
        result = asyncio.run(run(backend, args.messages, args.customers, args.concurrency, args.path))
        print(
            f"{backend:8} {args.path}: {args.messages} messages, {args.concurrency} in flight, in "
            f"{result['seconds']:.2f}s = {result['rate']:.0f} messages/s "
            f"(agents' outbox rows {result['queued']}; {result['check']})"
        )


if __name__ == "__main__":
    main()
