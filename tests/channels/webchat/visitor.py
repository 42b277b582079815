"""A widget as the server sees it: a real WebSocket client speaking the widget's protocol."""

from __future__ import annotations

import asyncio
import itertools
import json
from types import TracebackType
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

_ids = itertools.count(1)


class Visitor:
    """One browser tab. `token` persists across `connect()` calls like localStorage would."""

    def __init__(self, base_url: str, *, token: str | None = None, lang: str = "en", **hello: Any) -> None:
        self.base_url, self.token, self.lang, self.hello = base_url, token, lang, hello
        self.events: list[dict[str, Any]] = []
        self.frames: list[dict[str, Any]] = []
        self.socket: ClientConnection | None = None
        self.welcome: dict[str, Any] = {}

    @property
    def seen(self) -> int:
        return self.events[-1]["id"] if self.events else 0

    async def connect(self, *, after: int | None = None, origin: str | None = None) -> Visitor:
        url = self.base_url.replace("http", "ws", 1) + "/webchat/ws"
        self.socket = await connect(url, origin=origin, proxy=None)  # type: ignore[arg-type]
        hello = {
            "type": "hello",
            "token": self.token,
            "after": self.seen if after is None else after,
            "lang": self.lang,
        }
        await self.socket.send(json.dumps({**hello, **self.hello}))
        self.welcome = await self.next_frame()
        assert self.welcome["type"] == "welcome", self.welcome
        self.token = self.welcome["token"] or self.token
        return self

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None

    async def __aenter__(self) -> Visitor:
        return await self.connect()

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        await self.close()

    async def next_frame(self, timeout: float = 10.0) -> dict[str, Any]:
        assert self.socket is not None
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        self.frames.append(frame)
        if frame["type"] == "event":
            self.events.append(frame)
        return frame

    async def send(self, text: str = "", *, choice: str | None = None, client_id: str | None = None) -> str:
        """Send a message and wait for the server's acknowledgement; returns its client id."""
        assert self.socket is not None
        client_id = client_id or f"t{next(_ids)}"
        await self.socket.send(json.dumps({"type": "message", "client_id": client_id, "text": text, "choice": choice}))
        await self.until(lambda f: f["type"] == "ack" and f["client_id"] == client_id)
        return client_id

    async def until(self, condition: Any, timeout: float = 10.0) -> dict[str, Any]:
        """Read frames until one satisfies `condition`; returns it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.next_frame(max(deadline - loop.time(), 0.01))
            if condition(frame):
                return frame

    async def reply_with(self, predicate: Any) -> dict[str, Any]:
        """The next event sent to the visitor (not their own echo) that matches."""
        return await self.until(lambda f: f["type"] == "event" and f["from"] != "visitor" and predicate(f))

    async def upload(self, content: bytes, filename: str = "screen.png") -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            return await client.post(
                "/webchat/upload",
                files={"file": (filename, content, "application/octet-stream")},
                data={"client_id": f"u{next(_ids)}", "lang": self.lang},
                headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
            )

    async def fetch_file(self, seq: int, index: int = 0, token: str | None = None) -> httpx.Response:
        token = token if token is not None else self.token
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            return await client.get(f"/webchat/files/{seq}/{index}", headers={"Authorization": f"Bearer {token}"})

    async def open_ticket(self, subject: str = "Printer jams", screenshot: bytes | None = None) -> dict[str, Any]:
        """Go through the intake; returns the "registered" event."""
        await self.send("Hello")
        await self.reply_with(lambda e: any(c["id"] == "type:incident" for c in e["choices"]))
        await self.send("Incident", choice="type:incident")
        await self.reply_with(lambda e: "subject" in e["text"])
        await self.send(subject)
        await self.reply_with(lambda e: "detail" in e["text"])
        await self.send("It jams on every page since this morning.")
        await self.reply_with(lambda e: "screenshot" in e["text"])
        if screenshot is not None:
            response = await self.upload(screenshot)
            assert response.status_code == 200, response.text
        else:
            await self.send("Skip", choice="nav:skip")
        return await self.reply_with(lambda e: "registered" in e["text"])
