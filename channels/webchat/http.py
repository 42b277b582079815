"""The widget's HTTP side: the script and styles, the demo page, uploads and the visitor's files."""

from __future__ import annotations

import secrets
from html import escape
from importlib.resources import files
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Header, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from channels.webchat import activity, away, events, visitors
from channels.webchat.inbound import CLIENT_ID, Upload, VisitorMessage, receive
from channels.webchat.models import WebchatVisitor
from channels.webchat.origins import allowed_origins
from channels.webchat.settings import of_app
from channels.webchat.texts import texts
from channels.webchat.uploads import INLINE_TYPES, safe_filename, sniff
from core.i18n import pick_language
from core.services import Services
from platforms.html_page import PAGE

router = APIRouter()
STATIC = files("webchat") / "static"
ASSETS = {"widget.js": "text/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}
ICON_CACHE = {"Cache-Control": "public, max-age=86400"}
# A confirmation link's page: never cached, never indexed, and the token never sent on as a referrer.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def _cors(request: Request, response: Response) -> Response:
    # Uploads and downloads come from the embedding site's pages; the token, not a cookie, authorizes them.
    origin = request.headers.get("origin")
    allowed = allowed_origins(of_app(request.app.state).allowed_origins)
    if origin and (not allowed or origin.rstrip("/").lower() in allowed):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


def _error(request: Request, status: int, key: str, language: str, **values: object) -> Response:
    return _cors(request, JSONResponse({"error": texts(key, language, **values)}, status))


async def _visitor(request: Request, authorization: str | None) -> WebchatVisitor | None:
    token = authorization.removeprefix("Bearer ").strip() if authorization else None
    return await visitors.by_token(_services(request).sessions, token)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def demo_page() -> HTMLResponse:
    return HTMLResponse((STATIC / "demo.html").read_text(encoding="utf-8"))


def _page(request: Request, key: str, *, status: int = 200, button: bool = False, **values: object) -> HTMLResponse:
    """The confirmation link's page: `key`'s text, and the button that confirms when `button`."""
    language = pick_language(request.headers.get("accept-language"), _services(request).settings.default_language)
    form = f'<form method="post"><button>{escape(texts("email.confirm.button", language))}</button></form>'
    body = PAGE.format(
        lang=language,
        title=escape(texts("email.confirm.title", language)),
        body=f"<p>{escape(texts(key, language, **values))}</p>{form if button else ''}",
    )
    return HTMLResponse(body, status_code=status, headers=PAGE_HEADERS)


@router.get(away.CONFIRM_PATH + "/{token}", response_class=HTMLResponse, include_in_schema=False)
async def email_confirm_page(request: Request, token: str) -> HTMLResponse:
    """The link mailed to an address left in the widget: a button, not the confirmation itself
    (mail scanners open links; only a person presses the button)."""
    address = await away.pending(_services(request).sessions, token)
    if address is None:
        return _page(request, "email.confirm.unknown", status=404)
    return _page(request, "email.confirm.ask", button=True, email=address)


@router.post(away.CONFIRM_PATH + "/{token}", response_class=HTMLResponse, include_in_schema=False)
async def email_confirm(request: Request, token: str) -> HTMLResponse:
    address = await away.confirm(_services(request).sessions, token)
    if address is None:
        return _page(request, "email.confirm.unknown", status=404)
    return _page(request, "email.confirm.done", email=address)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    return Response((STATIC / "favicon.ico").read_bytes(), media_type="image/x-icon", headers=ICON_CACHE)


@router.get("/webchat/state")
async def state(request: Request, read: int = 0, authorization: Annotated[str | None, Header()] = None) -> Response:
    """For a widget holding no socket: whether the visitor has a conversation in progress, and unread messages."""
    services = _services(request)
    visitor = await _visitor(request, authorization)
    if visitor is None:
        return _error(request, 401, "error.unauthorized", services.settings.default_language)
    return _cors(request, JSONResponse(await activity.summary(services.sessions, visitor, max(read, 0))))


@router.get("/webchat/{asset}", include_in_schema=False)
async def asset(asset: str) -> Response:
    if asset not in ASSETS:
        return Response(status_code=404)
    headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    return Response((STATIC / asset).read_bytes(), media_type=ASSETS[asset], headers=headers)


@router.options("/webchat/{path:path}", include_in_schema=False)
async def preflight(request: Request) -> Response:
    response = Response(status_code=204)
    response.headers["Access-Control-Allow-Methods"] = "GET, POST"
    response.headers["Access-Control-Allow-Headers"] = "Authorization"
    response.headers["Access-Control-Max-Age"] = "600"
    return _cors(request, response)


@router.post("/webchat/upload")
async def upload(
    request: Request,
    file: UploadFile,
    client_id: Annotated[str, Form()],
    lang: Annotated[str, Form()] = "",
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    services = _services(request)
    language = pick_language(lang, services.settings.default_language)
    visitor = await _visitor(request, authorization)
    if visitor is None:
        return _error(request, 401, "error.unauthorized", language)
    if not CLIENT_ID.match(client_id):
        return _error(request, 422, "error.bad_message", language, reason="client_id")
    limit = services.settings.max_file_size
    content = await file.read(limit + 1)
    if len(content) > limit:
        mb = round(limit / 1024 / 1024, 1)
        return _error(request, 413, "error.file_size", language, size=f"> {mb}", max=mb)
    if not content:
        return _error(request, 422, "error.file_empty", language)
    file_type = sniff(content)
    if file_type is None:
        return _error(request, 415, "error.file_type", language)
    message = VisitorMessage(
        client_id, language=language, client_address=request.client.host if request.client else None
    )
    message.uploads.append(Upload(content, file_type, safe_filename(file.filename, file_type)))
    await receive(services, visitor, message)
    return _cors(request, JSONResponse({"ok": True, "client_id": client_id}))


@router.get("/webchat/files/{seq}/{index}")
async def attachment(
    request: Request, seq: int, index: int, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """A file of the visitor's own conversation: addressed by their event, so no one else's can be named."""
    services = _services(request)
    visitor = await _visitor(request, authorization)
    event = await events.find(services.sessions, visitor.id, seq) if visitor and visitor.id else None
    items = event.payload.get("attachments", []) if event else []
    item = items[index] if 0 <= index < len(items) else None
    if item is None or not item.get("key"):
        return _cors(request, Response(status_code=404))
    mime = item.get("mime_type") if item.get("mime_type") in INLINE_TYPES else "application/octet-stream"
    name = secrets.token_hex(4) if not item.get("filename") else str(item["filename"])
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}",
    }
    try:
        content = services.files.read(item["key"])
    except (OSError, ValueError):
        return _cors(request, Response(status_code=404))
    return _cors(request, Response(content, media_type=mime, headers=headers))
