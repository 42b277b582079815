"""No mail loops (RFC 3834): which mails may get an automatic reply, and how often."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from channels.email.models import EmailAutoReply
from channels.email.parse import ParsedMail
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


async def claim_auto_reply(session: AsyncSession, address: str, *, now: datetime | None = None) -> bool:
    """Take this sender's automatic reply for the period; False if one was sent within it.

    A compare-and-set on a row per sender, so two instances (or a restart) never both answer.
    """
    now = now or utcnow()
    result = await session.execute(
        update(EmailAutoReply)
        .where(EmailAutoReply.address == address, EmailAutoReply.last_at <= now - AUTO_REPLY_PERIOD)  # type: ignore[arg-type]
        .values(last_at=now)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        return True
    try:
        async with session.begin_nested():
            await session.execute(insert(EmailAutoReply).values(address=address, last_at=now))
    except IntegrityError:
        return False  # the row exists and is recent (or a concurrent claim just won)
    return True
