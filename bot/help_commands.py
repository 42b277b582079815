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
TOOL_COMMANDS = ("find", "queue", "r", "canned", "new", "publish")
CUSTOMER_MENU = ("start", "new", "list", "status", "cancel")
AGENT_MENU = ("help", *TICKET_COMMANDS, *MASS_COMMANDS, *TOOL_COMMANDS)
DESK_COMMANDS = tuple(c for c in AGENT_MENU[1:] if c not in CUSTOMER_MENU)
"""What a customer sending them in a private chat is told are the agents' (/help is everyone's, /new both)."""
# An agent's /new records a phone request; a customer's /new opens their own: each side reads its own words.
AGENT_TEXT_KEYS = {"new": "cmd.phone_new"}


def describe(command: str, language: str, *, agent: bool) -> str:
    key = AGENT_TEXT_KEYS.get(command, f"cmd.{command}") if agent else f"cmd.{command}"
    return texts(key, language)


def router() -> Router:
    commands = Router(name="help")
    commands.message.filter(in_agent_group)
    commands.message.register(help_command, Command("help"))
    return commands


def help_text(language: str) -> str:
    def one(command: str) -> str:
        return f"/{command} — {describe(command, language, agent=True)}"

    lines = [texts("help.title", language), *(one(c) for c in AGENT_MENU[1:])]
    return "\n".join([*lines, "", texts("help.footer", language)])


async def help_command(message: Message, ctx: BotContext) -> None:
    await reply(ctx, message, help_text(ctx.language))


def menu(commands: tuple[str, ...], language: str, *, agent: bool) -> list[BotCommand]:
    return [BotCommand(command=c, description=describe(c, language, agent=agent)[:256]) for c in commands]


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
            agent = isinstance(scope, BotCommandScopeChat)
            await ctx.bot.set_my_commands(menu(commands, language, agent=agent), scope=scope, language_code=code)
