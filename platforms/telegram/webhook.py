"""POST /telegram/webhook: updates pushed by Telegram, accepted only with the secret we gave it."""

from __future__ import annotations

import logging
import secrets

from aiogram.types import Update
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from platforms.http_guard import Refused, parse_json, read_body
from platforms.telegram.runtime import WEBHOOK_PATH, TelegramRuntime
from platforms.telegram.updates import NotAnUpdate, update_id_of

log = logging.getLogger(__name__)

# Updates are a few kilobytes (files come by reference); nothing near this is buffered.
MAX_BODY = 1024 * 1024


def webhook_router(runtime: TelegramRuntime) -> APIRouter:
    router = APIRouter()

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> JSONResponse:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secrets.compare_digest(given.encode(), runtime.webhook_secret.encode()):
            return JSONResponse({"detail": "forbidden"}, status_code=403)
        try:
            payload = parse_json(await read_body(request, MAX_BODY))
        except Refused as refused:
            return refused.response()
        if runtime.accept is not None:
            # Store, then acknowledge; the inbox's worker handles it (and a repeat is dropped).
            try:
                update_id_of(payload)
            except NotAnUpdate:
                return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
            await runtime.accept(payload)
            return JSONResponse({})
        try:
            update = Update.model_validate(payload, context={"bot": runtime.bot})
        except ValidationError:
            return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
        try:
            await runtime.handle(update)
        except Exception:
            # A non-2xx makes Telegram deliver the update again; handling it twice is harmless.
            log.exception("telegram: update %s failed; Telegram will retry", update.update_id)
            return JSONResponse({"detail": "failed, retry"}, status_code=500)
        return JSONResponse({})

    return router
