"""/help in the agents' group, and the command menus Telegram shows (setMyCommands) for agents and customers."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Message

from bot.agent_answers import reply
from bot.agent_side import in_agent_group
from bot.texts import texts
from core.i18n import SUPPORTED_LANGUAGES
from platforms.telegram.context import BotContext

TICKET_COMMANDS = ("take", "assign", "unassign", "ask", "solve", "close", "reopen", "note", "type")
MASS_COMMANDS = ("mass", "link", "broadcast", "open")
DESK_COMMANDS = (*TICKET_COMMANDS, *MASS_COMMANDS)
"""What a customer sending them in a private chat is told are the agents' (/help is everyone's)."""
AGENT_MENU = ("help", *DESK_COMMANDS)
CUSTOMER_MENU = ("start", "new", "list", "status", "cancel")


def router() -> Router:
    commands = Router(name="help")
    commands.message.filter(in_agent_group)
    commands.message.register(help_command, Command("help"))
    return commands


def help_text(language: str) -> str:
    def one(command: str) -> str:
        return f"/{command} — {texts(f'cmd.{command}', language)}"

    lines = [texts("help.title", language), *(one(c) for c in (*TICKET_COMMANDS, *MASS_COMMANDS))]
    return "\n".join([*lines, "", texts("help.footer", language)])


async def help_command(message: Message, ctx: BotContext) -> None:
    await reply(ctx, message, help_text(ctx.language))


def menu(commands: tuple[str, ...], language: str) -> list[BotCommand]:
    return [BotCommand(command=c, description=texts(f"cmd.{c}", language)[:256]) for c in commands]


async def register_menus(ctx: BotContext) -> None:
    """The "/" menus: agents' commands in their group, customers' in private chats; Russian and the default English."""
    scopes: list[tuple[tuple[str, ...], BotCommandScopeChat | BotCommandScopeAllPrivateChats]] = [
        (CUSTOMER_MENU, BotCommandScopeAllPrivateChats())
    ]
    if ctx.agent_chat_id is not None:
        scopes.append((AGENT_MENU, BotCommandScopeChat(chat_id=ctx.agent_chat_id)))
    for commands, scope in scopes:
        for language in SUPPORTED_LANGUAGES:
            # English is also the default, for every client language without its own list.
            code = None if language == "en" else language
            await ctx.bot.set_my_commands(menu(commands, language), scope=scope, language_code=code)
