"""The delivery worker's own cost: drain N queued messages through adapters that answer at once.

    python -m bench.delivery --messages 3000 --addresses 300 --backend sqlite
    python -m bench.delivery --messages 3000 --addresses 1 --combining --backend postgres

Nothing is rate-limited and no HTTP is spoken, so the rate is what claiming, leasing and marking
messages sent costs: the worker's ceiling. --addresses spreads the messages over that many
destinations (one message per address is in flight at a time, to keep their order);
--combining offers the worker's backlog hook (a Telegram group takes up to 50 as one send).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from bench.databases import add_backend_option, chosen_backends, migrated_services
from core.db import transaction
from core.delivery import DeliveryWorker
from core.messages import OutboundMessage, SendResult
from core.models import OutboxMessage, OutboxStatus
from core.outbox import enqueue


@dataclass
class InstantPlatform:
    name: str = "bench"
    max_combined: int = 0
    sends: int = 0

    def can_combine(self, first: OutboundMessage, other: OutboundMessage) -> bool:
        return True

    async def send(self, message: OutboundMessage) -> SendResult:
        return await self.send_combined([message])

    async def send_combined(self, messages: list[OutboundMessage]) -> SendResult:
        self.sends += 1
        return SendResult(external_id=str(self.sends))


async def run(backend: str, messages: int, addresses: int, combining: bool) -> dict[str, float]:
    async with migrated_services(backend) as services:
        async with transaction(services.sessions) as session:
            for i in range(messages):
                enqueue(session, OutboundMessage(channel="bench", address=f"a{i % addresses}", text=f"m{i}"))
        platform = InstantPlatform(max_combined=50 if combining else 0)
        worker = DeliveryWorker(services.sessions, {"bench": platform})
        started = time.perf_counter()
        while await worker.run_once():
            pass
        elapsed = time.perf_counter() - started
        async with services.sessions() as session:
            sent_rows = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENT)
            sent = (await session.execute(sent_rows)).scalar_one()
    return {"seconds": elapsed, "rate": messages / elapsed, "sent": sent, "sends": platform.sends}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--addresses", type=int, default=300)
    parser.add_argument("--combining", action="store_true")
    add_backend_option(parser)
    args = parser.parse_args()
    for backend in chosen_backends(args):
        result = asyncio.run(run(backend, args.messages, args.addresses, args.combining))
        print(
            f"{backend:8} {args.messages} messages to {args.addresses} addresses in {result['seconds']:.2f}s = "
            f"{result['rate']:.0f} messages/s (sent {int(result['sent'])} in {int(result['sends'])} sends)"
        )


if __name__ == "__main__":
    main()
