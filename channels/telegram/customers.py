"""Customers' private chats: every message and button press goes to the core's conversation."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from channels.telegram import inbound
from channels.telegram.answered_buttons import mark_answered
from channels.telegram.texts import texts
from core.i18n import pick_language
from platforms.telegram.context import BotContext
from platforms.telegram.messages import attachments_of, megabytes


def router(refused_commands: Sequence[str] = ()) -> Router:
    """`refused_commands`: commands of the agents' desk, answered here with "for agents only"."""
    customers = Router(name="customers")
    customers.message.filter(F.chat.type == ChatType.PRIVATE)
    customers.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)
    if refused_commands:
        customers.message.register(refuse_agent_command, Command(*refused_commands))
    customers.message.register(customer_message)
    customers.callback_query.register(button_pressed)
    return customers


def language(ctx: BotContext, code: str | None) -> str:
    return pick_language(code, ctx.language)


async def refuse_agent_command(message: Message, ctx: BotContext) -> None:
    code = message.from_user.language_code if message.from_user else None
    await message.answer(texts("agents_only", language(ctx, code)))


async def customer_message(message: Message, ctx: BotContext) -> None:
    code = message.from_user.language_code if message.from_user else None
    parsed = attachments_of(message, ctx.max_file_size)
    has_content = bool(message.text or message.caption or parsed.attachments)
    if has_content:
        await ctx.desk.receive(inbound.customer_message(message, parsed.attachments))
    for name, size in parsed.too_big:
        await message.answer(
            texts(
                "file_too_big",
                language(ctx, code),
                name=name,
                size=megabytes(size),
                max=megabytes(ctx.max_file_size),
            )
        )
    if not has_content and not parsed.too_big:
        await message.answer(texts("unsupported", language(ctx, code)))


async def button_pressed(query: CallbackQuery, ctx: BotContext) -> None:
    if query.message is not None and query.data:
        await ctx.desk.receive(inbound.button_press(query, query.message.chat.id))
        await mark_answered(ctx, query)
    await query.answer()
