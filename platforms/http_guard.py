"""Doors that refuse early: a capped body read while streaming, JSON with a nesting limit, clean text.

Platform payloads are small. A door reads at most `limit` bytes of a request, chunked or not, and
answers 413 past it without buffering the rest; JSON that is invalid or nested deeper than any
platform sends is a 400, never a 500; lone surrogates and invalid UTF-8 become U+FFFD, so what was
accepted can always be stored and handled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from core.textsafe import scrub

MAX_DEPTH = 64
# Strings are skipped when counting brackets; escapes inside them (\" \\) keep them closed right.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


Door = Callable[[Request], Awaitable[Response]]
"""A channel's POST endpoint served ahead of the routers (a webhook): the request in, the answer out."""


class Refused(Exception):
    """A request the door will not take: its HTTP status and the reason given back."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.reason}, status_code=self.status)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, read chunk by chunk and refused (413) as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Refused(413, f"body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"body larger than {limit} bytes")
    return bytes(body)


def nesting_depth(text: str) -> int:
    """How deep JSON `text` nests arrays and objects (counted without parsing, so it cannot recurse)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def clean(value: Any) -> Any:
    """`value` (parsed JSON) with lone surrogates in every string and key replaced by U+FFFD."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, dict):
        return {scrub(key): clean(item) for key, item in value.items()}
    return value


def read_json(body: bytes, *, max_depth: int = MAX_DEPTH) -> tuple[Any, str]:
    """Parse a request body: invalid UTF-8 replaced, depth capped, surrogates cleaned; else 400.
    With it, the text to keep: the body's own when nothing needed cleaning.

    The checks cost little on the common body: only one with more brackets than `max_depth` can
    nest past it, and only one with a `\\uD8xx`-style escape can hold a lone surrogate.
    """
    text = body.decode("utf-8", errors="replace")
    if text.count("{") + text.count("[") > max_depth and nesting_depth(text) > max_depth:
        raise Refused(400, f"JSON nested deeper than {max_depth} levels")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise Refused(400, f"body is not JSON: {error}") from None
    if "\\ud" in text or "\\uD" in text:
        value = clean(value)
        text = json.dumps(value, ensure_ascii=False)
    return value, text
