"""Texts with entities (mentions, links) built from catalog entries, so user text is never parsed as markup."""

from __future__ import annotations

import re
from collections.abc import Callable

from aiogram.types import User
from aiogram.utils.formatting import Text, TextLink, TextMention

from bot.desk_models import TelegramAgent

_MARK = re.compile("(\x00\\d+\x00)")


def rich(lookup: Callable[..., str], key: str, language: str, /, **values: object) -> Text:
    """`lookup(key, language, **values)` with Text values (a mention, a link) kept as entities."""
    nodes: dict[str, Text] = {}
    plain: dict[str, object] = {}
    for name, value in values.items():
        if isinstance(value, Text):
            marker = f"\x00{len(nodes)}\x00"
            nodes[marker], plain[name] = value, marker
        else:
            plain[name] = value
    return Text(*(nodes.get(part, part) for part in _MARK.split(lookup(key, language, **plain)) if part))


def mention(agent: TelegramAgent | None, name: str) -> Text:
    """A real mention (text_mention) of an agent we have seen in the group; their bare name otherwise."""
    if agent is None:
        return Text(name)
    return TextMention(name, user=User(id=agent.user_id, is_bot=False, first_name=agent.full_name))


def topic_url(chat_id: int, thread_id: int) -> str:
    """A link that opens a topic of a supergroup for its members (t.me/c/<id without -100>/<thread>)."""
    return f"https://t.me/c/{str(chat_id).removeprefix('-100')}/{thread_id}"


def topic_link(label: str, chat_id: int, thread_id: int | None) -> Text:
    return Text(label) if thread_id is None else TextLink(label, url=topic_url(chat_id, thread_id))


def joined(items: list[Text], separator: str = ", ") -> Text:
    parts: list[Text | str] = []
    for index, item in enumerate(items):
        if index:
            parts.append(separator)
        parts.append(item)
    return Text(*parts)
