"""No mail loops (RFC 3834): which mails may get an automatic reply, and how often."""

from __future__ import annotations

from datetime import datetime, timedelta

from channels.email.models import EmailAutoReply
from channels.email.parse import ParsedMail
from core.db import SessionFactory, dialect_insert, dialect_of, single_statement
from core.timeutil import utcnow

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


async def claim_auto_reply(sessions: SessionFactory, address: str, *, now: datetime | None = None) -> bool:
    """Take this sender's automatic reply for the period; False if one was sent within it.

    One upsert that writes only when the sender is new or their last reply is older than the
    period: two instances (or a restart) never both answer, and a row lock serializes the race.
    It is its own transaction (one round trip on PostgreSQL).
    """
    now = now or utcnow()
    table = EmailAutoReply.__table__  # type: ignore[attr-defined]
    insert = dialect_insert(dialect_of(sessions), EmailAutoReply).values(address=address, last_at=now)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.address],
        set_={"last_at": insert.excluded.last_at},
        where=table.c.last_at <= now - AUTO_REPLY_PERIOD,
    ).returning(table.c.address)
    return bool(await single_statement(sessions, statement))
