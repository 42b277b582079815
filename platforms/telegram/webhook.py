"""POST /telegram/webhook: updates pushed by Telegram, accepted only with the secret we gave it.

A door served ahead of the routers (switchboard.sockets.ChannelDoors): Telegram waits for each
acknowledgement before it sends more, so the cheaper it is, the sooner a burst is stored.
"""

from __future__ import annotations

import logging
import secrets

from aiogram.types import Update
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from platforms.http_guard import Door, Refused, read_body, read_json
from platforms.telegram.runtime import TelegramRuntime
from platforms.telegram.updates import NotAnUpdate, update_id_of

log = logging.getLogger(__name__)

# Updates are a few kilobytes (files come by reference); nothing near this is buffered.
MAX_BODY = 1024 * 1024


def webhook_door(runtime: TelegramRuntime) -> Door:
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secrets.compare_digest(given.encode(), runtime.webhook_secret.encode()):
            return JSONResponse({"detail": "forbidden"}, status_code=403)
        try:
            payload, text = read_json(await read_body(request, MAX_BODY))
        except Refused as refused:
            return refused.response()
        if runtime.accept is not None:
            # Store, then acknowledge; the inbox's worker handles it (and a repeat is dropped).
            try:
                update_id_of(payload)
            except NotAnUpdate:
                return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
            await runtime.accept(payload, text)
            return Response(b"{}", media_type="application/json")  # not json.dumps({}) per update
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

    return telegram_webhook
