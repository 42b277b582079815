"""The widget's WebSocket: hello, catch-up after the last id seen, then live events both ways."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from channels.base import SocketEndpoint
from channels.webchat import activity, away, events, visitors
from channels.webchat.inbound import BadMessage, VisitorMessage, receive
from channels.webchat.models import WebchatVisitor
from channels.webchat.origins import origin_allowed
from channels.webchat.presence import Presence
from channels.webchat.settings import of_app
from channels.webchat.texts import texts
from core.fanout import Inbox
from core.i18n import pick_language
from core.services import Services

log = logging.getLogger(__name__)
HELLO_TIMEOUT = 10.0
POLICY_VIOLATION = 1008


class Connection:
    def __init__(
        self, socket: WebSocket, services: Services, visitor: WebchatVisitor, language: str, presence: Presence
    ) -> None:
        self.socket, self.services, self.visitor, self.language = socket, services, visitor, language
        self.presence = presence
        self.name: str | None = None
        self.last_sent = 0
        self._send_lock = asyncio.Lock()
        self.inbox: Inbox | None = None
        self._forwarding: asyncio.Task[None] | None = None

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.socket.send_text(json.dumps(frame, ensure_ascii=False))

    async def send_after(self, seq: int) -> None:
        """Everything stored after `seq`, in order; pages until caught up."""
        assert self.visitor.id is not None
        while True:
            page = await events.after(self.services.sessions, self.visitor.id, seq)
            for event in page:
                await self.send(events.wire(event))
                seq = self.last_sent = event.seq
            if len(page) < events.HISTORY_PAGE:
                return

    def listen(self, inbox: Inbox) -> None:
        """Forward the inbox's live events from now on (and any that came while catching up)."""
        self.inbox = inbox
        inbox.on_put = self.wake
        self.wake()

    def wake(self) -> None:
        # One task forwards while events wait and ends when the inbox is empty: an idle socket holds
        # no task of its own (thousands are open at once).
        idle = self._forwarding is None or self._forwarding.done()
        if self.inbox is not None and not self.inbox.empty() and idle:
            self._forwarding = asyncio.get_running_loop().create_task(self._forward_quietly(self.inbox))

    async def stop(self) -> None:
        if self.inbox is not None:
            self.inbox.on_put = None
        if self._forwarding is not None:
            self._forwarding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._forwarding

    async def _forward_quietly(self, inbox: Inbox) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the socket closed meanwhile
            await self.forward(inbox)

    async def forward(self, inbox: Inbox) -> None:
        """Send what the inbox holds, in order, until it is empty."""
        while not inbox.empty():
            item = inbox.get_nowait()
            if item.get("type") != "event":
                await self.send(item)
            elif item["id"] == self.last_sent + 1:
                await self.send(item)
                self.last_sent = item["id"]
            elif item["id"] > self.last_sent:
                # A live event overtook an earlier one (or the fan-out dropped some): the database
                # has them all, in order.
                await self.send_after(self.last_sent)

    async def read(self) -> None:
        while True:
            raw = await self.socket.receive_text()
            try:
                frame = json.loads(raw)
                if not isinstance(frame, dict):
                    raise BadMessage("a JSON object was expected")
                if frame.get("type") == "ping":
                    await self.send({"type": "pong"})
                    continue
                if frame.get("type") == "email":
                    await self.answer_email(frame)
                    continue
                if frame.get("type") != "message":
                    raise BadMessage(f"unknown type {str(frame.get('type'))[:40]!r}")
                message = VisitorMessage.parse(frame, self.language, self.name)
                message.client_address = self.socket.client.host if self.socket.client else None
            except (ValueError, BadMessage) as error:
                reason = str(error) if isinstance(error, BadMessage) else "invalid JSON"
                await self.send({"type": "error", "message": texts("error.bad_message", self.language, reason=reason)})
                continue
            await receive(self.services, self.visitor, message)
            await self.send({"type": "ack", "client_id": message.client_id})

    async def answer_email(self, frame: dict[str, Any]) -> None:
        """The visitor's answer to "leave your e-mail": an address, or `skip`; asked once only."""
        public_url = self.services.settings.public_url
        if not away.asking(self.services.adapters, public_url):
            await self.send({"type": "email", "status": "closed"})
            return
        address = None
        if not frame.get("skip"):
            try:
                address = away.normalized(frame.get("email"))
            except away.BadAddress:
                await self.send({"type": "email", "status": "error", "message": texts("email.invalid", self.language)})
                return
        token = await away.answer(self.services.sessions, self.visitor, address)
        if token is False:
            await self.send({"type": "email", "status": "closed"})  # answered before, maybe in another tab
            return
        if address is not None and isinstance(token, str):
            assert self.visitor.id is not None
            link = away.confirm_link(public_url, token)
            # Once per answer: a visitor whose first address was refused is asked again.
            key = f"webchat-confirm:{self.visitor.id}:{visitors.hash_token(token)[:16]}"
            await self.services.desk.send_copy(away.confirmation(address, link, self.language, self.visitor), key=key)
            await self.presence.watch(self.visitor.id)
            # "saved": kept, and used once its owner opens the link just mailed to it.
            await self.send({"type": "email", "status": "saved", "email": address})
        else:
            await self.send({"type": "email", "status": "skipped"})


async def _hello(socket: WebSocket, services: Services, presence: Presence) -> tuple[Connection, int, str | None]:
    frame = json.loads(await asyncio.wait_for(socket.receive_text(), HELLO_TIMEOUT))
    if not isinstance(frame, dict) or frame.get("type") != "hello":
        raise BadMessage("the first frame must be a hello")
    settings = services.settings
    language = pick_language(
        frame.get("lang") if isinstance(frame.get("lang"), str) else None, settings.default_language
    )
    visitor, token = await visitors.by_token(services.sessions, frame.get("token")), None
    if visitor is None:
        visitor, token = await visitors.create(services.sessions)
    connection = Connection(socket, services, visitor, language, presence)
    user_id, signature, name = frame.get("user_id"), frame.get("user_hash"), frame.get("name")
    connection.name = name[:200] if isinstance(name, str) and name.strip() else None
    if isinstance(user_id, str) and isinstance(signature, str):
        if visitors.valid_signature(of_app(socket.app.state).identity_secret, user_id, signature):
            await visitors.link_user(services.desk, visitor, user_id, connection.name)
        else:
            log.warning("web chat: ignored an identity with an invalid signature")
    after = frame.get("after")
    after = after if isinstance(after, int) and not isinstance(after, bool) and after >= 0 else 0
    return connection, after, token


async def _welcome(connection: Connection, token: str | None, reset: bool) -> dict[str, Any]:
    visitor, services = connection.visitor, connection.services
    # A visitor just created (a new token) has nothing in progress: no query for them.
    active = token is None and await activity.in_progress(services.sessions, visitor)
    frame = {"type": "welcome", "token": token, "last": visitor.last_seq, "reset": reset, "active": active}
    # Offered once: the widget shows the question after the visitor's request has its number.
    frame["email_offer"] = not visitor.email_asked and away.asking(services.adapters, services.settings.public_url)
    if visitor.last_seq == 0:
        greeting = of_app(connection.socket.app.state).greeting
        frame["greeting"] = greeting or texts("greeting", connection.language)
    return frame


def endpoint(presence: Presence) -> SocketEndpoint:
    """The widget's socket endpoint; `presence` counts the open ones (replies are mailed when none is)."""

    async def webchat_socket(socket: WebSocket) -> None:
        await serve_socket(socket, presence)

    return webchat_socket


async def serve_socket(socket: WebSocket, presence: Presence) -> None:
    services: Services = socket.app.state.services
    if not origin_allowed(of_app(socket.app.state).allowed_origins, socket.headers, socket.url.scheme):
        await socket.close(code=POLICY_VIOLATION)  # before accept: the browser sees a refused handshake
        return
    await socket.accept()
    try:
        connection, after, token = await _hello(socket, services, presence)
    except (ValueError, KeyError, TimeoutError):
        await socket.close(code=POLICY_VIOLATION)
        return
    except WebSocketDisconnect:
        return
    visitor = connection.visitor
    async with services.fanout.subscribe(events.topic(visitor)) as queue:
        try:
            await presence.join(visitor)
            reset = after > visitor.last_seq  # the widget remembers a conversation this token never had
            await connection.send(await _welcome(connection, token, reset))
            connection.last_sent = 0 if reset else after
            await connection.send_after(connection.last_sent)
            connection.listen(queue)
            try:
                await connection.read()
            finally:
                await connection.stop()
        except WebSocketDisconnect:
            pass
        finally:
            await presence.leave(visitor)
