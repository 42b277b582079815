"""The Bot API session keeps aiogram's answer models, so no answer pays for building one again."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from aiogram import Bot
from aiogram.methods.base import Response
from aiogram.types import Message, MessageId

from platforms.telegram.session import BotSession
from tests.fakes.telegram import FakeTelegram
from tests.support.servers import serve


def model_of(result_type: Any) -> weakref.ref[type]:
    """A weak reference to the answer model aiogram uses for `result_type` (made here, in a function,
    as aiogram makes it: pydantic then holds it weakly only)."""
    return weakref.ref(Response[result_type])


async def test_answer_models_survive_garbage_collection_between_calls() -> None:
    fake = FakeTelegram()
    alice = fake.user("Alice")
    async with serve(fake.app, access_log=False) as url:
        bot = Bot(fake.token, session=BotSession(url))
        try:
            sent = await bot.send_message(alice.id, "one")
            await bot.copy_message(alice.id, alice.id, sent.message_id)
            models = [model_of(Message), model_of(MessageId)]
            gc.collect()
            assert all(model() is not None for model in models), "an answer model was collected"
            await bot.send_message(alice.id, "two")
            assert model_of(Message)() is models[0](), "the next answer built its model again"
        finally:
            await bot.session.close()
            await fake.close()
    assert alice.texts()[-1] == "two"
