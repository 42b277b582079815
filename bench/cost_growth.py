"""Does a message cost more when the tables are big? Per-message time at 1k and at 100k tickets.

    python -m bench.cost_growth --backend sqlite
    python -m bench.cost_growth --backend postgres --sizes 1000 100000 --messages 2000

For each size, a fresh migrated database gets that many tickets of other customers with their
history (contact, identity, ticket, the intake's 6 messages and receipts, 7 outbox rows, the audit
event, 6 handled inbox events: ~26 rows a ticket), copied in SQL from one ticket opened through the
desk, so every row has the shape the app writes. Then --customers customers open tickets through
the desk, and --messages messages onto those tickets go the whole inbound path of bench.inbound
(doors store in the core inbox, its worker hands them to the desk), with 1 and with 8 in flight.
Printed: milliseconds per message at each size, and the ratio of the biggest size to the smallest
(issue 13 asks for at most 1.3). PostgreSQL is ANALYZEd after seeding, as autovacuum would soon do.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable

from sqlalchemy import DateTime, text
from sqlmodel import SQLModel

from bench.databases import add_backend_option, chosen_backends, migrated_services
from bench.inbound import CHANNEL, customers_with_tickets, through_inbox
from core.models import InboxEvent
from core.services import Services
from tests.support.customers import CoreCustomer

BASE = 10_000_000  # filler ids start here: far above what the sequences hand out during the bench
PER_TICKET = 10  # id stride for a ticket's copied rows of one table (the template has at most 7)


def _copy(table: str, where: str, overrides: dict[str, str], ago: Callable[[str], str]) -> str:
    """INSERT ... SELECT: each template row of `table` once per number n.i, with `overrides` applied;
    its times moved n.i minutes into the past (history, not today's traffic)."""
    columns = SQLModel.metadata.tables[table].columns
    values = [
        overrides.get(c.name, ago(f'tpl."{c.name}"') if isinstance(c.type, DateTime) else f'tpl."{c.name}"')
        for c in columns
    ]
    names = ", ".join(f'"{c.name}"' for c in columns)
    return (
        f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} "
        f"FROM numbers AS n CROSS JOIN {table} AS tpl WHERE {where}"
    )


def _filler_statements(ago: Callable[[str], str]) -> list[str]:
    i = "CAST(n.i AS TEXT)"
    row = f"{BASE} + n.i"
    copied = f"{BASE} + n.i * {PER_TICKET} + (tpl.id - (SELECT min(x.id) FROM {{table}} AS x WHERE {{where}}))"
    address = f"'f' || {i}"

    def each(table: str, where: str, overrides: dict[str, str]) -> str:
        first = copied.format(table=table, where=where.replace("tpl.", "x."))
        return _copy(table, where, {"id": first, **overrides}, ago)

    inbox_columns = [column.name for column in InboxEvent.__table__.columns if column.name != "id"]  # type: ignore[attr-defined]
    inbox_values = {
        "channel": "tpl.channel",
        "external_id": f"'f' || {i} || '-' || CAST(tpl.id AS TEXT)",
        "conversation": address,
        "payload": "'{}'",
        "status": "'done'",
        "attempts": "1",
        "next_attempt_at": ago("tpl.created_at"),
        "locked_until": "NULL",
        "locked_by": "NULL",
        "last_error": "NULL",
        "arrived_at": ago("tpl.created_at"),
        "done_at": ago("tpl.created_at"),
    }
    return [
        _copy("contact", "tpl.id = (SELECT contact_id FROM ticket WHERE id = :ticket)", {"id": row}, ago),
        _copy("identity", "tpl.id = :identity", {"id": row, "contact_id": row, "address": address}, ago),
        _copy(
            "ticket",
            "tpl.id = :ticket",
            {
                "id": row,
                "number": row,
                "contact_id": row,
                "address": address,
                "public_token": "NULL",
                # Most of a desk's history is done with: closed (also out of the look-alike window).
                "status": "'CLOSED'",
                "closed_at": ago("tpl.updated_at"),
            },
            ago,
        ),
        each(
            "message",
            "tpl.ticket_id = :ticket",
            {
                "ticket_id": row,
                "identity_id": row,
                "address": address,
                "external_id": f"'f' || {i} || '-' || CAST(tpl.id AS TEXT)",
            },
        ),
        each(
            "inboundreceipt",
            "tpl.channel = 'bench'",
            {"external_id": f"'f' || {i} || '-' || CAST(tpl.id AS TEXT)"},
        ),
        each(
            "outboxmessage",
            "tpl.address IN ('t0', (SELECT CAST(number AS TEXT) FROM ticket WHERE id = :ticket))",
            {
                "ticket_id": f"CASE WHEN tpl.ticket_id IS NULL THEN NULL ELSE {row} END",
                "address": f"CASE WHEN tpl.channel = 'agents' THEN CAST({row} AS TEXT) ELSE {address} END",
                "status": "'SENT'",
                "sent_at": ago("tpl.created_at"),
            },
        ),
        each("ticketevent", "tpl.ticket_id = :ticket", {"ticket_id": row}),
        f"INSERT INTO inbox_event ({', '.join(inbox_columns)}) "
        f"SELECT {', '.join(inbox_values[name] for name in inbox_columns)} "
        "FROM numbers AS n CROSS JOIN message AS tpl WHERE tpl.ticket_id = :ticket AND tpl.direction = 'INBOUND'",
    ]


async def seed(services: Services, tickets: int) -> float:
    """`tickets` tickets of other customers, copied from one opened through the desk; seconds taken."""
    started = time.perf_counter()
    template = await CoreCustomer(services, "t0", channel=CHANNEL).open_ticket("Template")
    async with services.engine.begin() as connection:
        identity_id = (
            await connection.execute(text("SELECT id FROM identity WHERE channel = 'bench' AND address = 't0'"))
        ).scalar_one()
        numbers = f"WITH RECURSIVE numbers(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM numbers WHERE i < {tickets}) "
        if connection.dialect.name == "postgresql":

            def ago(column: str) -> str:
                return f"{column} - n.i * INTERVAL '1 minute'"
        else:

            def ago(column: str) -> str:
                return f"datetime({column}, '-' || CAST(n.i AS TEXT) || ' minutes')"

        for statement in _filler_statements(ago):
            insert, select = statement.split(" SELECT ", 1)
            await connection.execute(
                text(f"{insert} {numbers}SELECT {select}"), {"ticket": template.id, "identity": identity_id}
            )
    if services.engine.dialect.name == "postgresql":
        async with services.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


async def measure(backend: str, size: int, customers: int, messages: int) -> dict[int, float]:
    """Milliseconds per message at 1 and 8 in flight, on a database holding `size` other tickets."""
    results: dict[int, float] = {}
    for in_flight in (1, 8):
        async with migrated_services(backend) as services:
            seeded = await seed(services, size)
            batch = await customers_with_tickets(services, customers, messages)
            elapsed = await through_inbox(services, batch, in_flight)
            results[in_flight] = elapsed / messages * 1000
            print(
                f"  {backend:8} {size:>7} tickets (seeded in {seeded:.1f}s), {in_flight} in flight: "
                f"{results[in_flight]:.3f} ms/message",
                flush=True,
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--messages", type=int, default=2000)
    add_backend_option(parser)
    args = parser.parse_args()
    for backend in chosen_backends(args):
        table = {size: asyncio.run(measure(backend, size, args.customers, args.messages)) for size in args.sizes}
        smallest, biggest = table[min(args.sizes)], table[max(args.sizes)]
        for in_flight in (1, 8):
            print(
                f"{backend:8} {in_flight} in flight: "
                + ", ".join(f"{size} tickets {table[size][in_flight]:.3f} ms" for size in args.sizes)
                + f"; ratio {biggest[in_flight] / smallest[in_flight]:.2f}"
            )


if __name__ == "__main__":
    main()
