"""Who works on a ticket: /take, /assign @agent, /unassign in its topic."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot import roster
from bot.agent_answers import refusal, reply
from bot.agent_side import action_key, agent_of, command_ticket, in_agent_group
from bot.texts import texts
from core.desk import Agent, TicketError
from platforms.telegram.context import BotContext


def router() -> Router:
    commands = Router(name="assign-commands")
    commands.message.filter(in_agent_group)
    commands.message.register(assign_command, Command("take", "assign", "unassign"))
    return commands


async def assignee_named(ctx: BotContext, message: Message) -> str | None:
    """The agent an /assign names: a mention of a member, or the @username of someone who posted here."""
    for entity in message.entities or []:
        if entity.type == "text_mention" and entity.user is not None:
            await roster.remember(ctx, entity.user)
            return entity.user.full_name
        if entity.type == "mention" and message.text:
            username = entity.extract_from(message.text)
            assert ctx.agent_chat_id is not None
            async with ctx.sessions() as session:
                agent = await roster.by_username(session, ctx.agent_chat_id, username)
            if agent is None:
                await reply(ctx, message, texts("unknown_agent", ctx.language, name=username))
                return None
            return agent.full_name
    await reply(ctx, message, texts("usage.assign", ctx.language))
    return None


async def assign_command(message: Message, command: CommandObject, ctx: BotContext) -> None:
    number = await command_ticket(ctx, message)
    if number is None or message.from_user is None:
        return
    agent, key = agent_of(message.from_user), action_key(message)
    name = agent.name if command.command == "take" else None
    if command.command == "assign" and (name := await assignee_named(ctx, message)) is None:
        return
    try:
        if name is None:
            done = await ctx.desk.unassign(number, agent, key=key)
        else:
            done = await ctx.desk.assign(number, agent, name, again=command.command != "take", key=key)
    except TicketError as error:
        await reply(ctx, message, refusal(number, error, ctx.language))
        return
    if done is None:
        return  # Telegram delivered the message again: it was answered the first time
    if ctx.cards is not None:
        ctx.cards.touch(number)
    await reply(ctx, message, confirmation(number, name, done.previous, agent, ctx.language))


def confirmation(number: int, name: str | None, previous: str | None, agent: Agent, language: str) -> str:
    if name is None:
        return texts("unassigned", language, number=number)
    if name != agent.name:
        return texts("assigned", language, number=number, name=name)
    if previous and previous != name:
        return texts("took_over", language, number=number, name=name, previous=previous)
    return texts("took", language, number=number, name=name)
