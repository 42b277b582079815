"""`/queue [unassigned|mine|overdue|waiting]` in the agents' group, and the daily digest in the General topic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.agent_side import in_agent_group
from bot.contract_texts import duration
from bot.desk_events import GeneralRenderer
from bot.desk_texts import desk_texts
from bot.links import html_text, ticket_link, topic_urls
from core import queues
from core.digest import EVENT as DIGEST
from core.messages import OutboundMessage
from core.views import status_name
from platforms.telegram.context import BotContext
from platforms.telegram.render import split_text

SHORT = 5  # entries per queue in the overview; one queue alone shows more
ALIASES = {"свободные": "unassigned", "мои": "mine", "просрочено": "overdue", "ждём": "waiting", "ждем": "waiting"}


def router() -> Router:
    commands = Router(name="queue-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(queue_command, Command("queue"))
    return commands


def entry_line(entry: dict[str, Any], urls: dict[int, str], language: str) -> str:
    age = duration((datetime.now(UTC) - datetime.fromisoformat(entry["since"])).total_seconds(), language)
    who = f" · {html_text(entry['assignee'])}" if entry.get("assignee") else ""
    return (
        f"{ticket_link(entry['number'], urls)} · {status_name(entry['status'], language)} · "
        f"{html_text(entry['subject'])} · {age}{who}"
    )


async def queue_command(message: Message, command: CommandObject, ctx: BotContext) -> None:
    wanted = (command.args or "").strip().casefold()
    wanted = ALIASES.get(wanted, wanted)
    if wanted and wanted not in queues.QUEUES:
        await message.reply(desk_texts("usage.queue", ctx.language))
        return
    agent = message.from_user.full_name if message.from_user else None
    kinds = [wanted] if wanted else list(queues.QUEUES)
    sections: list[tuple[str, int, list[dict[str, Any]]]] = []
    async with ctx.sessions() as session:
        for kind in kinds:
            total, found = await queues.queue(session, kind, agent=agent, limit=30 if wanted else SHORT)
            sections.append((kind, total, [entry.meta() for entry in found]))
        urls = await topic_urls(session, [e["number"] for _, _, entries in sections for e in entries])
    lines: list[str] = []
    for kind, total, entries in sections:
        lines.append(f"<b>{html_text(desk_texts(f'queue.{kind}', ctx.language, count=total))}</b>")
        lines += [entry_line(e, urls, ctx.language) for e in entries]
        if total > len(entries):
            lines.append(html_text(desk_texts("queue.more", ctx.language, count=total - len(entries), kind=kind)))
    for piece in split_text("\n".join(lines)):
        await message.reply(piece, parse_mode="HTML", disable_web_page_preview=True)


async def digest(ctx: BotContext, message: OutboundMessage) -> list[int]:
    meta, language = message.meta, ctx.language
    numbers = [e["number"] for e in meta["overdue"] + meta["oldest"]]
    async with ctx.sessions() as session:
        urls = await topic_urls(session, numbers)
    by_status = ", ".join(
        f"{status_name(status, language)}: {count}" for status, count in meta["by_status"].items()
    ) or desk_texts("digest.none", language)
    lines = [
        f"<b>{html_text(desk_texts('digest.title', language, day=meta['day']))}</b>",
        html_text(desk_texts("digest.open", language, total=sum(meta["by_status"].values()), by_status=by_status)),
        html_text(desk_texts("digest.sla", language, breached=meta["breached_day"], overdue=meta["overdue_total"])),
        *(entry_line(e, urls, language) for e in meta["overdue"]),
    ]
    if meta["oldest"]:
        lines.append(html_text(desk_texts("digest.oldest", language)))
        lines += [entry_line(e, urls, language) for e in meta["oldest"]]
    assert ctx.agent_chat_id is not None
    ids = []
    for piece in split_text("\n".join(lines)):
        await ctx.sender.slot(ctx.agent_chat_id)
        sent = await ctx.bot.send_message(ctx.agent_chat_id, piece, parse_mode="HTML", disable_web_page_preview=True)
        ids.append(sent.message_id)
    return ids


def general_renderers() -> dict[str, GeneralRenderer]:
    return {DIGEST: digest}
