"""`/whatsapp/webhook`: Meta's verification handshake and the signed notifications."""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from channels.whatsapp.inbound import CHANNEL
from channels.whatsapp.payload import PayloadError, batch_key
from channels.whatsapp.settings import WhatsAppSettings
from channels.whatsapp.signature import valid_signature
from core.inbox import Inbox
from platforms.http_guard import Door, Refused, read_body, read_json

# Meta's notifications are a few kilobytes; refuse to buffer anything near this before checking it.
MAX_BODY = 3 * 1024 * 1024


WEBHOOK_PATH = "/whatsapp/webhook"
# Every stored call gets the same answer: rendered once, not by json.dumps per request.
_RECEIVED = b'{"status":"received"}'


def webhook_router(settings: WhatsAppSettings) -> APIRouter:
    """Meta's GET handshake; the notifications come through `webhook_door`."""
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

    return router


def webhook_door(settings: WhatsAppSettings, inbox: Inbox) -> Door:
    """POST /whatsapp/webhook, served ahead of the routers (switchboard.sockets.ChannelDoors)."""

    async def receive(request: Request) -> Response:
        header = request.headers.get("x-hub-signature-256")
        if not header:
            return JSONResponse({"error": "missing X-Hub-Signature-256"}, status_code=401)
        try:
            body = await read_body(request, MAX_BODY)
        except Refused as refused:
            return refused.response()
        if not valid_signature(settings.app_secret, body, header):
            return JSONResponse({"error": "invalid X-Hub-Signature-256"}, status_code=403)
        try:
            # The signature covers the raw bytes; what is kept is their text, cleaned where it had to be.
            payload, text = read_json(body)
            external_id, conversation = batch_key(payload)
        except Refused as refused:
            return refused.response()
        except PayloadError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        await inbox.store(CHANNEL, external_id, conversation, text)
        return Response(_RECEIVED, media_type="application/json")

    return receive
