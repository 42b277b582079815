"""`/new` in the agents' group: a request taken by phone or at the desk, one field per line.

/new
Name: Irina Petrova
Contact: +7 999 123-45-67        (a phone, an e-mail, a Telegram user id or @username)
Type: incident                   (incident, consultation, feature; default incident)
Subject: Camera at the gate is dark
Description: Since 9:00, ...     (may go on over several lines)
"""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.agent_commands import TYPES
from bot.agent_side import action_key, agent_of, in_agent_group
from bot.desk_texts import desk_texts
from bot.texts import texts
from core import phone
from core.db import transaction
from core.desk import AGENT_ACTIONS, TicketError
from core.views import TicketType
from platforms.telegram.context import BotContext

FIELDS = {
    "name": "name",
    "имя": "name",
    "contact": "contact",
    "контакт": "contact",
    "phone": "contact",
    "телефон": "contact",
    "email": "contact",
    "e-mail": "contact",
    "почта": "contact",
    "type": "type",
    "тип": "type",
    "subject": "subject",
    "тема": "subject",
    "description": "description",
    "описание": "description",
}
RUSSIAN_TYPES = {
    "инцидент": TicketType.INCIDENT,
    "консультация": TicketType.CONSULTATION,
    "запрос": TicketType.FEATURE_REQUEST,
    "доработка": TicketType.FEATURE_REQUEST,
}
LINE = re.compile(r"^\s*([\w-]+)\s*:\s*(.*)$", re.UNICODE)


def router() -> Router:
    commands = Router(name="phone-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(new_request, Command("new"))
    return commands


def parse(text: str) -> dict[str, str]:
    """Field -> value from "Label: value" lines; other lines continue the field before them."""
    fields: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        match = LINE.match(line)
        if match and match.group(1).casefold() in FIELDS:
            current = FIELDS[match.group(1).casefold()]
            fields[current] = match.group(2).strip()
        elif current is not None:
            fields[current] = f"{fields[current]}\n{line}".strip()
    return fields


def caller_of(fields: dict[str, str]) -> phone.Caller | str:
    """The caller, or the text key telling the agent what is missing."""
    if not fields.get("contact") or not fields.get("subject"):
        return "usage.new"
    kind = fields.get("type", "").strip().casefold()
    ticket_type = TYPES.get(kind) or RUSSIAN_TYPES.get(kind) if kind else TicketType.INCIDENT
    if ticket_type is None:
        return "new.bad_type"
    return phone.Caller(
        name=fields.get("name") or None,
        contact=fields["contact"],
        type=ticket_type,
        subject=fields["subject"],
        description=fields.get("description", ""),
    )


async def new_request(message: Message, command: CommandObject, ctx: BotContext) -> None:
    if message.from_user is None:
        return
    caller = caller_of(parse(command.args or ""))
    if isinstance(caller, str):
        await message.reply(desk_texts(caller, ctx.language))
        return
    limits = ctx.desk.limits
    try:
        async with transaction(ctx.sessions) as session:
            opened = await phone.open_request(
                session,
                caller,
                agent_of(message.from_user),
                number_start=limits.ticket_number_start,
                default_language=ctx.language,
                thresholds=limits.lookalike,
                once=(AGENT_ACTIONS, action_key(message)),
            )
    except TicketError as error:
        await message.reply(texts("failed", ctx.language, reason=str(error)))
        return
    if opened is None:
        return
    ctx.desk.on_queued()
    key = "new.reachable" if opened.reachable else "new.unreachable"
    await message.reply(
        desk_texts(key, ctx.language, number=opened.number, channel=opened.channel, address=opened.address)
    )
