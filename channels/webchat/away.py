"""A visitor's e-mail for replies while they are away: asked once, checked, and each reply's mail copy.

The address is kept on the visitor (their server-issued token is the only way to set it) and is never
linked to a contact: typed by hand, it proves nothing, so it must not open anyone's tickets. Nor is
it used before its owner opens the link mailed to it (`confirm`): anyone could type a stranger's
address. Then it only receives copies of what the visitor's own tickets send them while no widget
of theirs is connected, and a reply to one of those mails comes back to the same ticket by its headers.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping

from sqlalchemy import update
from sqlmodel import col, select

from channels.webchat import events
from channels.webchat.models import WebchatVisitor
from channels.webchat.texts import texts
from channels.webchat.visitors import hash_token
from core.db import SessionFactory, transaction
from core.messages import COPY_OF, TELL_ON_FAILURE, OutboundMessage

MAIL_CHANNEL = "email"
"""The channel the copies go out on: its adapter threads them and reports failures."""
CONFIRM_PATH = "/webchat/email"
MAX_ADDRESS = 128
"""What the e-mail channel takes as a sender (`Identity.address`): a reply must fit it too."""

LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class BadAddress(ValueError):
    """Not an address we can send to."""


def mail_on(adapters: Mapping[str, object]) -> bool:
    """Whether the e-mail channel is configured: without it the widget asks nothing."""
    return MAIL_CHANNEL in adapters


def asking(adapters: Mapping[str, object], public_url: str) -> bool:
    """Whether the widget asks for an address: mail can be sent, and the link that confirms an
    address can point at this service (PUBLIC_URL; never a Host header a client chose)."""
    return mail_on(adapters) and bool(public_url)


def confirm_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{CONFIRM_PATH}/{token}"


def normalized(text: object) -> str:
    """The address as stored and compared (lower case, the domain in ASCII); raises BadAddress."""
    if not isinstance(text, str):
        raise BadAddress("not a string")
    local, at, domain = text.strip().lower().rpartition("@")
    if not at or not LOCAL.match(local):
        raise BadAddress(text)
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise BadAddress(text) from error
    labels = domain.split(".")
    tld_ok = labels[-1].isalpha() or labels[-1].startswith("xn--")
    if len(labels) < 2 or not tld_ok or not all(LABEL.match(label) for label in labels):
        raise BadAddress(text)
    address = f"{local}@{domain}"
    if len(address) > MAX_ADDRESS:
        raise BadAddress(text)
    return address


async def answer(sessions: SessionFactory, visitor: WebchatVisitor, address: str | None) -> str | bool | None:
    """The visitor's answer to the one question: an address, or None (skipped). False if they
    answered before (another tab): the first answer stands, the question is never asked again.
    For an address, the token of the link that confirms it (to be mailed there); None when skipped."""
    token = secrets.token_urlsafe(24) if address is not None else None
    async with transaction(sessions) as session:
        result = await session.execute(
            update(WebchatVisitor)
            .where(col(WebchatVisitor.id) == visitor.id, col(WebchatVisitor.email_asked).is_(False))
            .values(email_pending=address, email_token_hash=hash_token(token) if token else None, email_asked=True)
        )
        answered = bool(result.rowcount)  # type: ignore[attr-defined]
    visitor.email_asked = True
    if not answered:
        return False
    visitor.email_pending = address
    return token


async def pending(sessions: SessionFactory, token: str) -> str | None:
    """The address a confirmation link is for, while it is not confirmed; None for an unknown link."""
    async with sessions() as session:
        query = select(WebchatVisitor.email_pending).where(col(WebchatVisitor.email_token_hash) == hash_token(token))
        return (await session.execute(query)).scalar_one_or_none()


async def confirm(sessions: SessionFactory, token: str) -> str | None:
    """Its owner opened the link: the address receives copies from now on. None for an unknown link
    (or one used already: each works once)."""
    async with transaction(sessions) as session:
        result = await session.execute(
            update(WebchatVisitor)
            .where(
                col(WebchatVisitor.email_token_hash) == hash_token(token),
                col(WebchatVisitor.email_pending).is_not(None),
            )
            .values(email=WebchatVisitor.email_pending, email_pending=None, email_token_hash=None)
            .returning(col(WebchatVisitor.email))
        )
        return result.scalar_one_or_none()


def confirmation(address: str, link: str, language: str, visitor: WebchatVisitor) -> OutboundMessage:
    """The mail that asks the owner of `address` to confirm it (nothing else goes there before).
    Refused or bounced, the visitor is told in the chat (`refused`) and may leave another address."""
    return OutboundMessage(
        channel=MAIL_CHANNEL,
        address=address,
        text=texts("email.confirm.mail", language, link=link),
        language=language,
        meta={
            "automatic": True,
            "subject": texts("email.confirm.subject", language),
            TELL_ON_FAILURE: {"channel": events.CHANNEL, "address": visitor.address},
        },
    )


async def refused(sessions: SessionFactory, visitor: WebchatVisitor, address: str) -> None:
    """The mail server refused (or bounced) the confirmation to `address`: the address is dropped
    and the question comes back, unless the visitor has since confirmed or left another one."""
    async with transaction(sessions) as session:
        await session.execute(
            update(WebchatVisitor)
            .where(col(WebchatVisitor.id) == visitor.id, col(WebchatVisitor.email_pending) == address)
            .values(email_pending=None, email_token_hash=None, email_asked=False)
        )


def mail_copy(message: OutboundMessage, address: str) -> OutboundMessage:
    """The mail of a message to an away visitor: the same words, files and choices, on their ticket."""
    return OutboundMessage(
        channel=MAIL_CHANNEL,
        address=address,
        text=message.text,
        choices=message.choices,
        attachments=message.attachments,
        ticket_id=message.ticket_id,
        language=message.language,
        meta={**message.meta, COPY_OF: events.CHANNEL},
    )
