"""A fake WhatsApp Cloud API: a real ASGI app answering like graph.facebook.com, plus customers.

Serve it and point the app at it::

    fake = FakeWhatsApp()
    async with serve(fake.app) as api_url:
        settings = make_settings(**fake.settings(api_url))
        async with serve(build_app(settings)) as app_url:
            fake.webhook_url = f"{app_url}/whatsapp/webhook"

Graph API routes (bearer token checked on each): `POST /{phone-number-id}/messages`,
`POST /{phone-number-id}/media` (multipart upload), `GET /{media-id}` (media URL, mime type,
sha256, size) and `GET /download/{media-id}` (the bytes). Errors have Meta's shape
`{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}`.

Customers post Meta-shaped, signed notifications to the webhook and return the app's answer::

    alice = fake.customer("15551234567", "Alice")
    await alice.say("hello"); await alice.press("type:incident", "Incident")
    await alice.send_media("image", png, "image/png", caption="screen")
    alice.inbox()                                  # what the app sent her (Graph message objects)
    await fake.status(wamid, "delivered")          # a delivery receipt
    await fake.post(notification(...)); await fake.post_raw(body, signature)

Failures to script: `fake.fail_next(400, 131026, times=1, to=None, after=0)`, `fake.fail_next(429, 130429)`,
`fake.fail_next(503, 131000)`, `fake.fail_media_next(500, 1)`. Every request is recorded in `fake.calls`.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from channels.whatsapp.signature import sign
from tests.fakes.whatsapp_payloads import message, notification, status_update


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)


@dataclass
class Failure:
    status: int
    code: int
    times: int
    to: str | None
    retry_after: int | None
    after: int = 0


@dataclass
class Media:
    content: bytes
    mime_type: str
    filename: str | None = None


def graph_error(status: int, code: int, details: str) -> JSONResponse:
    error = {
        "message": details,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": "Afake",
    }
    return JSONResponse({"error": error}, status_code=status)


class FakeWhatsApp:
    def __init__(
        self,
        *,
        phone_number_id: str = "106540352242922",
        token: str = "EAAfake-token",
        app_secret: str = "fake-app-secret",
        verify_token: str = "fake-verify-token",
    ) -> None:
        self.phone_number_id, self.token = phone_number_id, token
        self.app_secret, self.verify_token = app_secret, verify_token
        self.webhook_url = ""
        self.calls: list[Call] = []
        self.media: dict[str, Media] = {}
        self.failures: list[Failure] = []
        self.media_failures: list[Failure] = []
        self._ids = itertools.count(1)
        self.app = Starlette(
            routes=[
                Route("/download/{media_id}", self._download, methods=["GET"]),
                Route("/{phone_id}/messages", self._send, methods=["POST"]),
                Route("/{phone_id}/media", self._upload, methods=["POST"]),
                Route("/{media_id}", self._media_info, methods=["GET"]),
            ]
        )

    def settings(self, api_url: str, **extra: Any) -> dict[str, Any]:
        """The app's settings that point it at this fake."""
        return {
            "whatsapp_access_token": self.token,
            "whatsapp_phone_number_id": self.phone_number_id,
            "whatsapp_app_secret": self.app_secret,
            "whatsapp_verify_token": self.verify_token,
            "whatsapp_api_url": api_url,
            **extra,
        }

    # --- scripting and inspection ---
    def fail_next(
        self,
        status: int,
        code: int,
        *,
        times: int = 1,
        to: str | None = None,
        retry_after: int | None = None,
        after: int = 0,
    ) -> None:
        """Answer the next `times` sends (to `to`, after letting `after` of them through) with an error."""
        self.failures.append(Failure(status, code, times, to, retry_after, after))

    def fail_media_next(self, status: int, code: int, *, times: int = 1) -> None:
        """Answer the next `times` media look-ups (`GET /{media-id}`) with an error."""
        self.media_failures.append(Failure(status, code, times, None, None))

    def add_media(self, content: bytes, mime_type: str, filename: str | None = None) -> str:
        media_id = f"{next(self._ids) + 900000000000}"
        self.media[media_id] = Media(content, mime_type, filename)
        return media_id

    def sent(self, to: str | None = None) -> list[dict[str, Any]]:
        """Message objects the app sent (and we accepted), optionally to one customer."""
        return [
            c.body
            for c in self.calls
            if c.path.endswith("/messages") and c.body.get("_accepted") and (to is None or c.body.get("to") == to)
        ]

    def customer(self, wa_id: str, name: str = "Customer") -> Customer:
        return Customer(self, wa_id, name)

    async def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := condition():
                return result
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    # --- the webhook side (Meta calling the app) ---
    async def post_raw(self, body: bytes, signature: str | None) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(self.webhook_url, content=body, headers=headers)

    async def post(self, payload: dict[str, Any]) -> httpx.Response:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return await self.post_raw(body, sign(self.app_secret, body))

    async def status(self, wamid: str, state: str, recipient: str = "", **extra: Any) -> httpx.Response:
        return await self.post(
            notification(self.phone_number_id, statuses=[status_update(wamid, state, recipient, **extra)])
        )

    # --- the Graph API side (the app calling Meta) ---
    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def _scripted(self, to: str | None) -> JSONResponse | None:
        for failure in self.failures:
            if failure.times > 0 and failure.to in (None, to):
                if failure.after > 0:
                    failure.after -= 1
                    continue
                failure.times -= 1
                response = graph_error(failure.status, failure.code, f"scripted error {failure.code}")
                if failure.retry_after is not None:
                    response.headers["Retry-After"] = str(failure.retry_after)
                return response
        return None

    async def _send(self, request: Request) -> Response:
        body = await request.json()
        call = Call("POST", request.url.path, body)
        self.calls.append(call)
        if not self._authorized(request):
            return graph_error(401, 190, "Invalid OAuth access token.")
        if request.path_params["phone_id"] != self.phone_number_id:
            return graph_error(400, 100, "Unsupported post request: unknown phone number id")
        if problem := invalid_message(body):
            return graph_error(400, 100, f"Invalid parameter: {problem}")
        if scripted := self._scripted(body.get("to")):
            return scripted
        wamid = f"wamid.FAKE{next(self._ids):08d}"
        body["_accepted"], body["_wamid"] = True, wamid
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid}],
            }
        )

    async def _upload(self, request: Request) -> Response:
        form = await request.form()
        upload = form.get("file")
        call = Call("POST", request.url.path, {k: v for k, v in form.items() if isinstance(v, str)})
        self.calls.append(call)
        if not self._authorized(request):
            return graph_error(401, 190, "Invalid OAuth access token.")
        if upload is None or isinstance(upload, str) or form.get("messaging_product") != "whatsapp":
            return graph_error(400, 100, "Invalid parameter: file and messaging_product are required")
        content = await upload.read()
        call.files["file"] = (upload.filename or "", content, str(form.get("type", "")))
        return JSONResponse({"id": self.add_media(content, str(form.get("type", "")), upload.filename)})

    async def _media_info(self, request: Request) -> Response:
        media_id = request.path_params["media_id"]
        self.calls.append(Call("GET", request.url.path))
        if not self._authorized(request):
            return graph_error(401, 190, "Invalid OAuth access token.")
        for failure in self.media_failures:
            if failure.times > 0:
                failure.times -= 1
                return graph_error(failure.status, failure.code, f"scripted error {failure.code}")
        if media_id not in self.media:
            return graph_error(400, 100, "Unsupported get request: unknown media id")
        media = self.media[media_id]
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": f"{request.base_url}download/{media_id}",
                "mime_type": media.mime_type,
                "sha256": hashlib.sha256(media.content).hexdigest(),
                "file_size": str(len(media.content)),
                "id": media_id,
            }
        )

    async def _download(self, request: Request) -> Response:
        media_id = request.path_params["media_id"]
        self.calls.append(Call("GET", request.url.path))
        if not self._authorized(request):
            return Response(status_code=401)
        if media_id not in self.media:
            return Response(status_code=404)
        return Response(self.media[media_id].content, media_type=self.media[media_id].mime_type)


def invalid_message(body: dict[str, Any]) -> str | None:
    """What Meta would refuse in a message object: the limits the adapter must respect."""
    if body.get("messaging_product") != "whatsapp" or not body.get("to"):
        return "messaging_product and to are required"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text", {}).get("body", "")
        return None if 0 < len(text) <= 4096 else f"text body of {len(text)} characters"
    if kind == "interactive":
        interactive = body["interactive"]
        if not 0 < len(interactive.get("body", {}).get("text", "")) <= 1024:
            return "interactive body must be 1-1024 characters"
        if interactive["type"] == "button":
            buttons = interactive["action"]["buttons"]
            if not 1 <= len(buttons) <= 3 or any(len(b["reply"]["title"]) > 20 for b in buttons):
                return "1-3 buttons with titles up to 20 characters"
        elif interactive["type"] == "list":
            rows = [row for section in interactive["action"]["sections"] for row in section["rows"]]
            if not 1 <= len(rows) <= 10 or any(
                len(r["title"]) > 24 or len(r.get("description", "")) > 72 for r in rows
            ):
                return "1-10 rows with titles up to 24 and descriptions up to 72 characters"
            if len(interactive["action"]["button"]) > 20:
                return "list button text up to 20 characters"
        return None
    if kind in ("image", "document", "audio", "video"):
        return None if body.get(kind, {}).get("id") or body.get(kind, {}).get("link") else f"{kind} needs id or link"
    if kind == "template":
        return None if body.get("template", {}).get("name") else "template name required"
    return f"unknown type {kind!r}"


class Customer:
    """Someone writing to the business number from WhatsApp."""

    def __init__(self, fake: FakeWhatsApp, wa_id: str, name: str) -> None:
        self.fake, self.wa_id, self.name = fake, wa_id, name

    def notification(self, kind: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
        raw = message(self.wa_id, kind, content, **extra)
        return notification(self.fake.phone_number_id, messages=[raw], contacts=[(self.wa_id, self.name)])

    async def send(self, kind: str, content: dict[str, Any], **extra: Any) -> httpx.Response:
        return await self.fake.post(self.notification(kind, content, **extra))

    async def say(self, text: str, **extra: Any) -> httpx.Response:
        return await self.send("text", {"body": text}, **extra)

    async def press(self, reply_id: str, title: str, *, kind: str = "button_reply") -> httpx.Response:
        return await self.send("interactive", {"type": kind, kind: {"id": reply_id, "title": title}})

    async def send_media(
        self, kind: str, content: bytes, mime_type: str, *, caption: str | None = None, filename: str | None = None
    ) -> httpx.Response:
        media_id = self.fake.add_media(content, mime_type, filename)
        body: dict[str, Any] = {"id": media_id, "mime_type": mime_type, "sha256": hashlib.sha256(content).hexdigest()}
        if caption is not None:
            body["caption"] = caption
        if filename is not None:
            body["filename"] = filename
        return await self.send(kind, body)

    def inbox(self) -> list[dict[str, Any]]:
        return self.fake.sent(self.wa_id)

    def texts(self) -> list[str]:
        """What she read: text bodies, interactive bodies and template names, in order."""
        return [readable(sent) for sent in self.inbox()]


def readable(sent: dict[str, Any]) -> str:
    kind = sent["type"]
    if kind == "text":
        return str(sent["text"]["body"])
    if kind == "interactive":
        return str(sent["interactive"]["body"]["text"])
    if kind == "template":
        return f"template:{sent['template']['name']}"
    return f"{kind}:{sent[kind].get('id')}"
