"""`/whatsapp/webhook`: Meta's verification handshake and the signed notifications."""

from __future__ import annotations

import json
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from channels.whatsapp.inbox import Inbox
from channels.whatsapp.payload import PayloadError, parse_batch
from channels.whatsapp.settings import WhatsAppSettings
from channels.whatsapp.signature import valid_signature

# Meta's notifications are a few kilobytes; refuse to buffer anything near this before checking it.
MAX_BODY = 3 * 1024 * 1024


def webhook_router(settings: WhatsAppSettings, inbox: Inbox) -> APIRouter:
    router = APIRouter(prefix="/whatsapp")

    @router.get("/webhook")
    async def verify(request: Request) -> Response:
        params = request.query_params
        token = params.get("hub.verify_token", "")
        expected = settings.verify_token
        if (
            params.get("hub.mode") == "subscribe"
            and expected
            and secrets.compare_digest(token.encode(), expected.encode())
        ):
            return PlainTextResponse(params.get("hub.challenge", ""))
        return PlainTextResponse("verification failed", status_code=403)

    @router.post("/webhook")
    async def receive(request: Request) -> Response:
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return JSONResponse({"error": "body too large"}, status_code=413)
        body = await request.body()
        header = request.headers.get("x-hub-signature-256")
        if not header:
            return JSONResponse({"error": "missing X-Hub-Signature-256"}, status_code=401)
        if not valid_signature(settings.app_secret, body, header):
            return JSONResponse({"error": "invalid X-Hub-Signature-256"}, status_code=403)
        try:
            text = body.decode("utf-8")
            parse_batch(json.loads(text))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return JSONResponse({"error": f"body is not JSON: {error}"}, status_code=400)
        except PayloadError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        await inbox.store(text)
        return JSONResponse({"status": "received"})

    return router
