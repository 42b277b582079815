"""Every Prometheus metric of the service, and the small API the rest of the code uses to move them.

Counters and histograms count what this process did; Prometheus sums them over instances.
Gauges read from the database (`refresh_from_database`) describe the shared state, so take
their `max` over instances, not the sum.

    from switchboard.observability import metrics
    metrics.webchat_socket_opened()   # and webchat_socket_closed() when it closes
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.messages import InboundMessage
from core.models import OutboxMessage, OutboxStatus, Ticket, TicketStatus
from core.timeutil import utcnow

INBOUND = Counter("switchboard_inbound_messages", "Customer messages handled (duplicates excluded)", ["channel"])
INBOUND_EVENTS = Counter(
    "switchboard_inbound_events",
    "Platform events stored and acknowledged by this instance's doors (handled by any instance)",
    ["channel", "outcome"],
)
INBOUND_DUPLICATES = Counter("switchboard_inbound_duplicates", "Platform redeliveries ignored", ["channel"])
OUTBOUND = Counter("switchboard_outbound_messages", "Delivery attempts by outcome", ["channel", "outcome"])
RATE_LIMITED = Counter(
    "switchboard_rate_limited", "Sends put off by a rate limit: 429 answers, or our limiter's long waits", ["channel"]
)
DELIVERY_LATENCY = Histogram(
    "switchboard_delivery_latency_seconds",
    "From queued in the outbox to accepted by the platform",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
SLA_EVENTS = Counter("switchboard_sla_events", "SLA warnings and breaches posted to the agents", ["kind"])
WEBCHAT_CONNECTIONS = Gauge("switchboard_webchat_connections", "Open web-chat sockets on this instance")
OUTBOX_BACKLOG = Gauge("switchboard_outbox_backlog", "Messages waiting for delivery", ["channel"])
OUTBOX_OLDEST_AGE = Gauge("switchboard_outbox_oldest_age_seconds", "Age of the oldest waiting message", ["channel"])
TICKETS_OPEN = Gauge("switchboard_tickets_open", "Tickets not closed, by status", ["status"])

SLA_KINDS = {"sla_warning": "warning", "sla_breach": "breach"}


def count_inbound(message: InboundMessage, *, duplicate: bool = False) -> None:
    (INBOUND_DUPLICATES if duplicate else INBOUND).labels(message.channel).inc()


def count_event(channel: str, new: bool) -> None:
    """An event at the door: "stored", or "repeat" (the platform sent it before; dropped there)."""
    INBOUND_EVENTS.labels(channel, "stored" if new else "repeat").inc()


def count_delivery(row: OutboxMessage, outcome: str) -> None:
    """The delivery worker's outcome of one attempt: "sent", "failed", "retry" or "rate_limited"."""
    OUTBOUND.labels(row.channel, outcome).inc()
    if outcome == "rate_limited":
        RATE_LIMITED.labels(row.channel).inc()
    elif outcome == "sent":
        DELIVERY_LATENCY.labels(row.channel).observe(max((utcnow() - row.created_at).total_seconds(), 0.0))
        # Counted when posted to the agents, which happens once per event whatever the number of
        # instances; the SLA timers need not know about metrics.
        if row.kind in SLA_KINDS:
            SLA_EVENTS.labels(SLA_KINDS[row.kind]).inc()


def webchat_socket_opened() -> None:
    WEBCHAT_CONNECTIONS.inc()


def webchat_socket_closed() -> None:
    WEBCHAT_CONNECTIONS.dec()


async def refresh_from_database(session: AsyncSession) -> None:
    """Set the gauges that describe shared state: outbox backlog and open tickets."""
    backlog = await session.execute(
        select(OutboxMessage.channel, func.count(), func.min(OutboxMessage.created_at))  # type: ignore[call-overload]
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .group_by(OutboxMessage.channel)
    )
    now = utcnow()
    OUTBOX_BACKLOG.clear()
    OUTBOX_OLDEST_AGE.clear()
    for channel, count, oldest in backlog:
        OUTBOX_BACKLOG.labels(channel).set(count)
        OUTBOX_OLDEST_AGE.labels(channel).set(max((now - _aware(oldest)).total_seconds(), 0.0))
    open_tickets = select(Ticket.status, func.count()).where(Ticket.status != TicketStatus.CLOSED)  # type: ignore[call-overload]
    by_status = dict((await session.execute(open_tickets.group_by(Ticket.status))).all())
    for status in TicketStatus:
        if status is not TicketStatus.CLOSED:
            TICKETS_OPEN.labels(status.value).set(by_status.get(status, 0))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
