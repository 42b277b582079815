"""`/whatsapp/webhook`: Meta's verification handshake and the signed notifications."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from channels.whatsapp.inbound import CHANNEL
from channels.whatsapp.payload import Batch, PayloadError, parse_batch
from channels.whatsapp.settings import WhatsAppSettings
from channels.whatsapp.signature import valid_signature
from core.inbox import Inbox
from platforms.http_guard import Door, Refused, read_body, read_json

# Meta's notifications are a few kilobytes; refuse to buffer anything near this before checking it.
MAX_BODY = 3 * 1024 * 1024


def event_key(payload: dict[str, Any], batch: Batch) -> tuple[str, str]:
    """(external id, conversation) of one call: Meta's retry of a call is the same payload, and a
    call's order matters per customer (the sender, or the recipient its receipts are about)."""
    # Its messages' and statuses' ids name it (a tenth of the cost of canonical JSON, which only
    # a call with neither, such as an account update, still needs).
    ids = [f"m:{m.wamid}" for m in batch.messages]
    ids += [f"s:{s.wamid}:{s.status}:{s.at.timestamp() if s.at else ''}" for s in batch.statuses]
    named = "|".join(ids) if ids else json.dumps(payload, sort_keys=True)
    digest = hashlib.sha256(named.encode()).hexdigest()
    senders = [m.sender for m in batch.messages] + [s.recipient for s in batch.statuses]
    return digest, senders[0] if senders else ""


WEBHOOK_PATH = "/whatsapp/webhook"


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
            batch = parse_batch(payload)
        except Refused as refused:
            return refused.response()
        except PayloadError as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        external_id, conversation = event_key(payload, batch)
        await inbox.store(CHANNEL, external_id, conversation, text)
        return JSONResponse({"status": "received"})

    return receive
