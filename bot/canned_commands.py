"""Canned replies in the agents' group: `/r <name>` in a ticket's topic, `/canned add|list|del` anywhere."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.agent_side import action_key, agent_of, command_ticket, in_agent_group
from bot.desk_texts import desk_texts
from bot.texts import texts
from core import canned
from core.desk import TicketError, TicketNotFound
from platforms.telegram.context import BotContext
from platforms.telegram.render import split_text


def router() -> Router:
    commands = Router(name="canned-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(send_canned, Command("r"))
    commands.message.register(manage_canned, Command("canned"))
    return commands


async def send_canned(message: Message, command: CommandObject, ctx: BotContext) -> None:
    name = (command.args or "").strip()
    if not name:
        await message.reply(desk_texts("usage.r", ctx.language))
        return
    number = await command_ticket(ctx, message)
    if number is None or message.from_user is None:
        return
    agent = agent_of(message.from_user)

    try:
        sent = await ctx.desk.on_ticket(
            number, lambda s, t: canned.send(s, ctx.files, t, name, agent), key=action_key(message)
        )
    except canned.UnknownReply:
        await message.reply(desk_texts("canned.unknown", ctx.language, name=name))
        return
    except (TicketError, TicketNotFound) as error:
        await message.reply(texts("failed", ctx.language, reason=str(error)))
        return
    if sent is not None:  # None: Telegram delivered the command again, already done
        await message.reply(desk_texts("canned.sent", ctx.language, text=sent))


async def manage_canned(message: Message, command: CommandObject, ctx: BotContext) -> None:
    action, _, rest = (command.args or "").strip().partition(" ")
    author = message.from_user.full_name if message.from_user else None
    try:
        if action == "list":
            async with ctx.sessions() as session:
                replies = await canned.all_replies(session)
            lines = [f"• {r.name}: {r.text}" for r in replies] or [desk_texts("canned.empty", ctx.language)]
            for piece in split_text("\n".join([desk_texts("canned.title", ctx.language), *lines])):
                await message.reply(piece)
            return
        if action == "add":
            name, text = [*re.split(r"\s+", rest.strip(), maxsplit=1), ""][:2]
            if not name or not text.strip():
                await message.reply(desk_texts("usage.canned", ctx.language))
                return
            async with ctx.sessions() as session, session.begin():
                reply, created = await canned.save(session, name, text, author=author)
            key = "canned.added" if created else "canned.replaced"
            await message.reply(desk_texts(key, ctx.language, name=reply.name))
            return
        if action in ("del", "delete") and rest.strip():
            async with ctx.sessions() as session, session.begin():
                await canned.delete(session, rest.strip())
            await message.reply(desk_texts("canned.deleted", ctx.language, name=rest.strip()))
            return
    except TicketError as error:
        await message.reply(texts("failed", ctx.language, reason=str(error)))
        return
    await message.reply(desk_texts("usage.canned", ctx.language))
