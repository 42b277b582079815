"""Finding tickets for `/find`: by number, by the customer, or by words with the database's own full-text search.

SQLite: the FTS5 table `search_fts` (ticket subject+description and every message, kept by triggers
created in migration 0009_desk). PostgreSQL: `to_tsvector('russian', ...)` GIN indexes on ticket and
message text; the 'russian' configuration stems Russian words and English ones alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal_column, or_, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core.db import session_dialect
from core.models import Contact, Identity, Message, Ticket

LIMIT = 10
# The configuration the PostgreSQL indexes were built with; queries must name the same one.
PG_CONFIG = "russian"
WORDS = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Found:
    number: int
    status: str
    subject: str
    customer: str | None


def ticket_number(query: str) -> int | None:
    """'#1042', '№1042' or '1042' as a ticket number."""
    stripped = query.strip().lstrip("#№")
    return int(stripped) if stripped.isdigit() and len(stripped) < 10 else None


async def find(session: AsyncSession, query: str, *, limit: int = LIMIT) -> list[Found]:
    """Tickets matching a number, a contact (name, phone, e-mail, address) or words; newest first."""
    query = query.strip()
    ids: list[int] = []
    if (number := ticket_number(query)) is not None:
        ids += await _ids(session, select(Ticket.id).where(col(Ticket.number) == number))
    ids += await _ids(session, _by_contact(query.lstrip("@")))
    if terms := WORDS.findall(query.casefold()):
        ids += await _ids(session, _by_words(session, terms))
    unique = list(dict.fromkeys(ids))
    if not unique:
        return []
    rows = await session.execute(
        select(Ticket.number, Ticket.status, Ticket.subject, Contact.name)
        .join(Contact, col(Contact.id) == Ticket.contact_id)
        .where(col(Ticket.id).in_(unique))
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    found = [Found(int(n), str(s), str(subject), name) for n, s, subject, name in rows.all()]
    if number is not None:  # the exact number first
        found.sort(key=lambda f: f.number != number)
    return found


async def ticket_ids(session: AsyncSession, numbers: list[int]) -> dict[int, int]:
    """Ticket number -> id, for a desk that keys its own rows (topics) by ticket id."""
    query = select(Ticket.number, Ticket.id).where(col(Ticket.number).in_(numbers))
    return {int(number): int(ticket_id) for number, ticket_id in (await session.execute(query)).all()}


async def _ids(session: AsyncSession, query: Any) -> list[int]:
    return [int(i) for i in (await session.execute(query.limit(200))).scalars()]


def _by_contact(query: str) -> object:
    pattern = f"%{query.casefold()}%"
    contacts = (
        select(Identity.contact_id)
        .where(
            or_(
                func.lower(Identity.address).like(pattern),
                func.lower(func.coalesce(Identity.display_name, "")).like(pattern),
            )
        )
        .union(select(Contact.id).where(func.lower(func.coalesce(Contact.name, "")).like(pattern)))
    )
    return select(Ticket.id).where(col(Ticket.contact_id).in_(contacts)).order_by(col(Ticket.id).desc())


def _by_words(session: AsyncSession, terms: list[str]) -> object:
    if session_dialect(session) == "postgresql":
        # The same expressions as the GIN indexes of migration 0009_desk, so the planner uses them.
        words = {"q": " ".join(terms)}
        in_tickets = select(Ticket.id).where(
            text(
                f"to_tsvector('{PG_CONFIG}', ticket.subject || ' ' || ticket.description)"
                f" @@ plainto_tsquery('{PG_CONFIG}', :q)"
            ).bindparams(**words)
        )
        in_messages = select(Message.ticket_id).where(
            text(f"to_tsvector('{PG_CONFIG}', message.text) @@ plainto_tsquery('{PG_CONFIG}', :q)").bindparams(**words)
        )
        return in_tickets.union(in_messages).subquery().select()
    # FTS5: every word as a prefix ("камер*" meets "камеры", "record*" meets "recording"); long words
    # lose their ending first, a poor man's stemmer for Russian inflection.
    match = " ".join(f'"{_stem(term)}"*' for term in terms)
    return (
        select(literal_column("ticket_id"))
        .select_from(text("search_fts"))
        .where(text("search_fts MATCH :match").bindparams(match=match))
    )


def _stem(term: str) -> str:
    return term[: max(4, len(term) - 2)] if len(term) > 5 else term
