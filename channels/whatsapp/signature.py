"""Meta signs every webhook call: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The header value Meta would send for `body`."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def valid_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is Meta's signature of exactly these bytes. Never true without a secret."""
    if not secret or not header or not header.startswith(PREFIX):
        return False
    return secrets.compare_digest(sign(secret, body).encode(), header.strip().lower().encode())
