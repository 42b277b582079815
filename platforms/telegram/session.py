"""The HTTP session to the Bot API, with aiogram's answer models kept once they are made."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response


class BotSession(AiohttpSession):
    """aiogram parses every answer with `Response[<the method's result type>]`, a pydantic generic
    model made on first use. pydantic keeps such models in a weak cache only, and nothing else holds
    them when they are made inside a function: once collected, the next answer builds the model
    again, 8-12 ms of schema building. Measured in a webhook load: `Response[Message]` 101 times and
    `Response[ForumTopic]` 54 times for 400 updates. One strong reference per result type ends it."""

    def __init__(self, api_url: str, **kwargs: Any) -> None:
        super().__init__(api=TelegramAPIServer.from_base(api_url), **kwargs)
        self.response_models: dict[Any, type[Response[Any]]] = {}

    def check_response(self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str) -> Response[Any]:
        returning = method.__returning__
        if returning not in self.response_models:
            self.response_models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)
