"""/open N: a topic for a ticket that has none (a report that joined a mass incident is only counted)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.agent_answers import reply
from bot.agent_side import in_agent_group
from bot.desk_events import DeskEvent, ticket_created
from bot.rich import topic_url
from bot.texts import texts
from bot.topics import Topics
from core import views
from core.messages import AGENT_DESK, OutboundMessage
from platforms.telegram.context import BotContext


def router() -> Router:
    commands = Router(name="open-command")
    commands.message.filter(in_agent_group)
    commands.message.register(open_command, Command("open"))
    return commands


async def open_command(message: Message, command: CommandObject, ctx: BotContext) -> None:
    argument = (command.args or "").strip().lstrip("#№")
    if not argument.isdigit():
        await reply(ctx, message, texts("usage.open", ctx.language))
        return
    async with ctx.sessions() as session:
        ticket = await views.ticket_by_number(session, int(argument))
    if ticket is None:
        await reply(ctx, message, texts("failed", ctx.language, reason=f"no ticket #{argument}"))
        return
    topics = Topics(ctx)
    topic = await topics.find(ticket)
    if topic is None:
        # Shown as if just created: the topic with its card and the request's files.
        shown = OutboundMessage(
            channel=AGENT_DESK, address=str(ticket.number), kind="ticket_created", ticket_id=ticket.id
        )
        await ticket_created(DeskEvent(ctx, topics, shown, ticket))
        topic = await topics.find(ticket)
    if topic is None:  # the group has no topics: the card was posted in the chat
        return
    url = topic_url(topics.chat_id, topic.thread_id)
    await reply(ctx, message, texts("opened", ctx.language, number=ticket.number, url=url))
