from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.lookalike_text import Thresholds
from core.messages import Choice, InboundMessage, OutboundMessage
from core.models import Attachment, Identity, Message
from core.outbox import enqueue
from core.texts import texts
from core.timeutil import utcnow

AutoReplyGuard = Callable[[AsyncSession, str, datetime], Awaitable[bool]]
"""A channel's own limit on automatic replies: (the message's session, the sender's address, now) ->
whether a new request may be answered automatically; a True takes that reply (in the same transaction)."""


@dataclass
class Limits:
    ticket_number_start: int = 1001
    subject_max: int = 200
    description_max: int = 4000
    # REQUIRE_CONTRACT: new contacts give their organization's access code before a first request.
    require_contract: bool = False
    # PUBLIC_URL, for the status page link in the creation reply; empty: no link.
    public_url: str = ""
    # A customer's message this many days after their request was closed reopens it; later, a new one.
    reopen_window_days: int = 7
    # Mass-incident detection on every new incident report; None: off.
    lookalike: Thresholds | None = None
    # The public channel feature requests are published in (`/publish`); None: publishing is off.
    suggestions_channel_id: int | None = None


@dataclass
class Turn:
    """One inbound message being handled: who sent it, what was stored, how to answer."""

    session: AsyncSession
    identity: Identity
    language: str
    inbound: InboundMessage
    message: Message
    attachments: list[Attachment]
    limits: Limits
    # When the message is handled: the desk's clock, so tests can move time without patching.
    now: datetime = field(default_factory=utcnow)
    # The message's channel's limit on automatic replies to new requests (Desk.guard_auto_replies).
    auto_reply_guard: AutoReplyGuard | None = None

    @property
    def text(self) -> str:
        return self.inbound.text.strip()

    @property
    def actor(self) -> str:
        return f"customer:{self.identity.display_name or self.identity.address}"

    def t(self, key: str, **values: object) -> str:
        return texts(key, self.language, **values)

    def choice(self, choice_id: str, key: str | None = None) -> Choice:
        return Choice(id=choice_id, label=self.t(key or choice_id.replace(":", ".")))

    def reply(self, text: str, choices: Sequence[Choice] = (), *, ticket_id: int | None = None) -> None:
        enqueue(
            self.session,
            OutboundMessage(
                channel=self.identity.channel,
                address=self.identity.address,
                text=text,
                choices=list(choices),
                ticket_id=ticket_id,
                language=self.language,
            ),
        )

    def menu(self) -> list[Choice]:
        return [self.choice("menu:new"), self.choice("menu:list")]
