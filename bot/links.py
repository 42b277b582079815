"""Links to tickets' topics in the agents' group, for lists posted in the General topic."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import TelegramTopic
from core.models import Ticket


def topic_url(chat_id: int, thread_id: int) -> str:
    """t.me/c/<chat>/<thread>: opens the topic for members of the group (the chat id without -100)."""
    return f"https://t.me/c/{str(chat_id).removeprefix('-100').lstrip('-')}/{thread_id}"


async def topic_urls(session: AsyncSession, numbers: Iterable[int]) -> dict[int, str]:
    query = (
        select(Ticket.number, TelegramTopic.chat_id, TelegramTopic.thread_id)
        .join(TelegramTopic, TelegramTopic.ticket_id == Ticket.id)
        .where(Ticket.number.in_(list(numbers)))  # type: ignore[attr-defined]
    )
    return {number: topic_url(chat, thread) for number, chat, thread in (await session.execute(query)).all()}


def ticket_link(number: int, urls: dict[int, str]) -> str:
    """#N as an HTML link to its topic when it has one (messages using it go with parse_mode HTML)."""
    url = urls.get(number)
    return f'<a href="{escape(url)}">#{number}</a>' if url else f"#{number}"


def html_text(text: str) -> str:
    """User or catalog text inside an HTML message: only <, > and & need escaping there."""
    return escape(text, quote=False)
