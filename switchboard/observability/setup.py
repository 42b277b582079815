from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.desk import Received
from core.messages import AGENT_DESK, InboundMessage
from core.models import OutboxMessage
from core.services import Services
from switchboard.observability import metrics
from switchboard.observability.logs import request_id

log = logging.getLogger("switchboard.events")
router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def scrape(request: Request) -> Response:
    services: Services = request.app.state.services
    async with services.sessions() as session:
        await metrics.refresh_from_database(session)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class RequestIdMiddleware:
    """Gives each HTTP request and socket an id (the proxy's X-Request-ID if sane) for its log lines."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        # A client-chosen id lands in log lines: accept only a short, plain token.
        rid = given if 0 < len(given) <= 64 and given.replace("-", "").isalnum() else uuid.uuid4().hex
        token = request_id.set(rid)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


class WebchatConnectionsMiddleware:
    """Counts the web-chat sockets open on this instance, from accept to close."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not scope["path"].startswith("/webchat/"):
            await self.app(scope, receive, send)
            return
        # A flag and a plain gauge call, not an ExitStack: this frame lives as long as the socket.
        accepted = False

        async def send_counting(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                metrics.webchat_socket_opened()
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        finally:
            if accepted:
                metrics.webchat_socket_closed()


def _on_received(message: InboundMessage, received: Received) -> None:
    metrics.count_inbound(message, duplicate=received.duplicate)
    log.info(
        "inbound message duplicate" if received.duplicate else "inbound message stored",
        extra={"channel": message.channel, "address": message.sender, "message_id": received.message_id},
    )


def _on_outcome(row: OutboxMessage, outcome: str) -> None:
    metrics.count_delivery(row, outcome)
    # Desk events are addressed by ticket number; customer messages carry the ticket's id.
    ticket = {"ticket": row.address} if row.channel == AGENT_DESK else {}
    log.log(
        logging.WARNING if outcome == "failed" else logging.INFO,
        "outbound %s %s",
        row.kind,
        outcome,
        extra={"channel": row.channel, "outbox_id": row.id, "ticket_id": row.ticket_id, "outcome": outcome, **ticket},
    )


def install(app: FastAPI, services: Services) -> None:
    """Serve `/metrics`, tag requests with ids, and count and log what the desk and the worker do."""
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(WebchatConnectionsMiddleware)
    app.include_router(router)
    services.desk.on_received = _on_received
    services.inbox.on_stored = metrics.count_event
    services.worker.on_outcome = _on_outcome
