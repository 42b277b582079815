"""Links to tickets' topics in the agents' group, for lists posted in the General topic."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.models import TelegramTopic
from core import search


def topic_url(chat_id: int, thread_id: int) -> str:
    """t.me/c/<chat>/<thread>: opens the topic for members of the group (the chat id without -100)."""
    return f"https://t.me/c/{str(chat_id).removeprefix('-100').lstrip('-')}/{thread_id}"


async def topic_urls(session: AsyncSession, numbers: Iterable[int]) -> dict[int, str]:
    ids = await search.ticket_ids(session, list(numbers))
    numbers_of = {ticket_id: number for number, ticket_id in ids.items()}
    query = select(TelegramTopic.ticket_id, TelegramTopic.chat_id, TelegramTopic.thread_id).where(
        col(TelegramTopic.ticket_id).in_(list(numbers_of))
    )
    rows = (await session.execute(query)).all()
    return {numbers_of[ticket_id]: topic_url(chat, thread) for ticket_id, chat, thread in rows}


def ticket_link(number: int, urls: dict[int, str]) -> str:
    """#N as an HTML link to its topic when it has one (messages using it go with parse_mode HTML)."""
    url = urls.get(number)
    return f'<a href="{escape(url)}">#{number}</a>' if url else f"#{number}"


def html_text(text: str) -> str:
    """User or catalog text inside an HTML message: only <, > and & need escaping there."""
    return escape(text, quote=False)
