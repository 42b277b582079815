"""No mail loops (RFC 3834): which mails may get an automatic reply, and how often."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncSession

from channels.email.models import EmailAutoReply
from channels.email.parse import ParsedMail
from core.db import dialect_insert, per_dialect, session_dialect

AUTO_REPLY_PERIOD = timedelta(hours=1)
ROBOT_LOCAL_PARTS = frozenset(
    {"mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply", "donotreply", "bounce", "bounces"}
)


def robot_sender(address: str) -> bool:
    local = address.partition("@")[0].lower()
    return local in ROBOT_LOCAL_PARTS or local.startswith(("noreply", "no-reply", "bounce"))


def automatic_reason(mail: ParsedMail, own_address: str) -> str | None:
    """Why this mail must get no automatic reply, or None when one may be sent."""
    auto = (mail.auto_submitted or "no").split(";")[0].strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto}"
    if (mail.precedence or "").strip().lower() in ("bulk", "list", "junk"):
        return f"Precedence: {mail.precedence}"
    if mail.list_id:
        return "List-Id"
    if mail.return_path is not None and mail.return_path.strip() in ("<>", ""):
        return "empty Return-Path"
    if mail.report_type is not None:
        return "delivery report"
    if not mail.sender or robot_sender(mail.sender):
        return f"sender {mail.sender or '(none)'}"
    if mail.sender == own_address.lower():
        return "our own address"
    return None


def _claim(dialect: str) -> Any:
    table = EmailAutoReply.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(dialect, table).values(address=bindparam("address"), last_at=bindparam("last_at"))
    return insert.on_conflict_do_update(
        index_elements=[table.c.address],
        set_={"last_at": insert.excluded.last_at},
        where=table.c.last_at <= bindparam("stale", type_=table.c.last_at.type),
    ).returning(table.c.address)


# Built once per dialect, its values given per call: built per call, its cache key was generated each time.
_CLAIM = per_dialect(_claim)


async def claim_auto_reply(session: AsyncSession, address: str, now: datetime) -> bool:
    """Take this sender's automatic reply for the period; False if one was sent within it.

    The desk's guard for e-mail (core.turn.AutoReplyGuard), run in the transaction that opens the
    request and queues the reply: the reply is taken exactly when it is sent (a crash before the
    commit takes neither). One upsert that writes only when the sender is new or their last reply
    is older than the period; its row lock serializes two instances answering the same sender.
    """
    connection = await session.connection()  # a Core statement: the ORM would annotate it anew each call
    parameters = {"address": address, "last_at": now, "stale": now - AUTO_REPLY_PERIOD}
    return (await connection.execute(_CLAIM[session_dialect(session)], parameters)).first() is not None
