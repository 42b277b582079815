"""Delivery receipts (`statuses[]`) recorded on the outbound message they belong to."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from channels.whatsapp.models import WhatsAppSent
from channels.whatsapp.payload import WaStatus
from core.desk import undelivered
from core.timeutil import utcnow

log = logging.getLogger(__name__)

# Receipts can arrive out of order; a later stage never goes back to an earlier one.
PROGRESS = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3}
# A receipt can overtake the commit that records the wamid we were given; until it is this old,
# an unknown wamid is tried again rather than dropped.
RECENT = timedelta(minutes=2)


class ReceiptTooEarly(Exception):
    """A fresh receipt for a wamid not recorded yet: try again shortly."""


async def record_status(session: AsyncSession, status: WaStatus) -> bool:
    """Apply one receipt; True when it turned the message into a failure the agents must hear of."""
    query = select(WhatsAppSent).where(col(WhatsAppSent.wamid) == status.wamid).with_for_update()
    sent = (await session.execute(query)).scalar_one_or_none()
    if sent is None:
        if status.at is not None and utcnow() - status.at < RECENT:
            raise ReceiptTooEarly(f"receipt {status.status} for {status.wamid} came before the send was recorded")
        log.info("receipt %s for %s: not a message this service sent", status.status, status.wamid)
        return False
    if sent.status == "failed":
        return False
    sent.updated_at = utcnow()
    if status.status != "failed":
        if PROGRESS.get(status.status, -1) > PROGRESS.get(sent.status, 0):
            sent.status = status.status
        return False
    reason = status.error_text()
    sent.status, sent.error = "failed", reason
    # Accepted by the API but not delivered: the outbox row says so, and the agents hear of it.
    return await undelivered(session, sent.outbox_id, reason)
