"""Push N inbound messages through the core onto existing tickets and print messages per second.

    python -m bench.inbound --messages 5000 --backend sqlite
    python -m bench.inbound --messages 5000 --backend postgres

Each message is fully handled: receipt (idempotency), identity, stored message, routing to the
customer's open ticket, and the event for the agents' desk queued in the outbox, all committed.

--concurrency is the number of messages in flight at once, as when a platform calls several
webhooks concurrently; messages that arrive together share a transaction (core/express.py), so
one message at a time (--concurrency 1) is the slowest case.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from sqlalchemy import func, select

from bench.databases import add_backend_option, chosen_backends, migrated_services
from core.messages import InboundMessage
from core.models import Message, OutboxMessage
from tests.support.customers import CoreCustomer


async def run(backend: str, messages: int, customers: int, concurrency: int) -> dict[str, float]:
    async with migrated_services(backend) as services:
        people = [CoreCustomer(services, f"c{i}", channel="bench") for i in range(customers)]
        for person in people:
            await person.open_ticket(f"Ticket of {person.address}")
        queue: asyncio.Queue[InboundMessage] = asyncio.Queue()
        for i in range(messages):
            person = people[i % customers]
            queue.put_nowait(
                InboundMessage(channel="bench", sender=person.address, external_id=f"b{i}", text=f"update {i}")
            )

        async def worker() -> None:
            while not queue.empty():
                await services.desk.receive(queue.get_nowait())

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        async with services.sessions() as session:
            stored = (await session.execute(select(func.count()).select_from(Message))).scalar_one()
            queued = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    return {"messages": messages, "seconds": elapsed, "rate": messages / elapsed, "stored": stored, "queued": queued}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    add_backend_option(parser)
    args = parser.parse_args()
    for backend in chosen_backends(args):
        result = asyncio.run(run(backend, args.messages, args.customers, args.concurrency))
        print(
            f"{backend:8} {int(result['messages'])} messages in {result['seconds']:.2f}s = "
            f"{result['rate']:.0f} messages/s (stored {int(result['stored'])}, outbox rows {int(result['queued'])})"
        )


if __name__ == "__main__":
    main()
