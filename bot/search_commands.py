"""`/find <number|words|contact>` anywhere in the agents' group: matching tickets with links to their topics."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.agent_side import in_agent_group
from bot.desk_texts import desk_texts
from bot.links import html_text, ticket_link, topic_urls
from core import search
from core.views import status_name
from platforms.telegram.context import BotContext
from platforms.telegram.render import split_text


def router() -> Router:
    commands = Router(name="search-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(find_command, Command("find"))
    return commands


def ticket_lines(found: list[search.Found], urls: dict[int, str], language: str) -> list[str]:
    """One line per ticket: link, status, subject, customer (user text escaped: the message is HTML)."""
    return [
        f"{ticket_link(f.number, urls)} · {status_name(f.status, language)} · {html_text(f.subject)}"
        + (f" — {html_text(f.customer)}" if f.customer else "")
        for f in found
    ]


async def find_command(message: Message, command: CommandObject, ctx: BotContext) -> None:
    query = (command.args or "").strip()
    if not query:
        await message.reply(desk_texts("usage.find", ctx.language))
        return
    async with ctx.sessions() as session:
        found = await search.find(session, query)
        urls = await topic_urls(session, [f.number for f in found])
    if not found:
        await message.reply(desk_texts("find.none", ctx.language, query=query))
        return
    title = html_text(desk_texts("find.title", ctx.language, query=query))
    for piece in split_text("\n".join([title, *ticket_lines(found, urls, ctx.language)])):
        await message.reply(piece, parse_mode="HTML", disable_web_page_preview=True)
