"""Visitors: server-issued tokens (stored hashed) and identities signed by the embedding site."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlmodel import col, select

from channels.webchat.events import CHANNEL
from channels.webchat.models import WebchatVisitor
from core.db import SessionFactory, transaction
from core.desk import Desk

SITE_USER_CHANNEL = "site"
"""Identity channel of the embedding site's own user ids: one contact per signed user id."""

MAX_TOKEN_LENGTH = 128


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_user(secret: str, user_id: str) -> str:
    """The HMAC the embedding site computes for its user id (hex SHA-256)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def valid_signature(secret: str, user_id: str, signature: str) -> bool:
    if not secret or not user_id or not signature or len(user_id) > 128:
        return False
    return secrets.compare_digest(sign_user(secret, user_id), signature.strip().lower())


async def create(sessions: SessionFactory) -> tuple[WebchatVisitor, str]:
    """A new visitor and its token; the token is returned once and only its hash is stored."""
    token = secrets.token_urlsafe(32)
    visitor = WebchatVisitor(address=f"v-{secrets.token_urlsafe(12)}", token_hash=hash_token(token))
    async with transaction(sessions) as session:
        session.add(visitor)
    return visitor, token


async def by_token(sessions: SessionFactory, token: object) -> WebchatVisitor | None:
    """The visitor this token was issued to; anything else (wrong type, unknown, too long) is None."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(token)
    async with sessions() as session:
        query = select(WebchatVisitor).where(col(WebchatVisitor.token_hash) == digest)
        visitor = (await session.execute(query)).scalar_one_or_none()
    if visitor is None or not secrets.compare_digest(visitor.token_hash, digest):
        return None
    return visitor


async def link_user(desk: Desk, visitor: WebchatVisitor, user_id: str, name: str | None) -> None:
    """Make the visitor one more address of the site user's contact (their tickets are shared)."""
    await desk.link_address(CHANNEL, visitor.address, same_as=(SITE_USER_CHANNEL, user_id), name=name)
    async with transaction(desk.sessions) as session:
        row = await session.get(WebchatVisitor, visitor.id)
        assert row is not None
        row.user_id = user_id
    visitor.user_id = user_id
