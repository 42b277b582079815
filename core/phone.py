"""Requests taken by phone or at the desk (`/new` in the agents' group): a ticket like any other.

The contact is looked up among known identities: a phone number or a Telegram user id matching a
WhatsApp or Telegram identity, an e-mail address. Updates go there when the customer has written
through it (the channel works and may answer). Otherwise the contact is recorded on the "phone"
channel (an e-mail address also as an "email" identity, for the e-mail channel to find the contact)
and every update fails visibly in the ticket's topic with the number to call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from core import lookalike, sla
from core.delivery import PermanentFailure
from core.i18n import Catalog, pick_language
from core.lookalike_text import Thresholds
from core.messages import OutboundMessage, SendResult
from core.models import Contact, Identity, Ticket, TicketStatus, TicketType
from core.outbox import to_desk
from core.receipts import claim_receipt
from core.staff import Agent
from core.statuspage import new_token
from core.tickets import TicketError, allocate_number, notify_customer, record

PHONE = "phone"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Channels a phone number or a numeric id may be known on, in the order they are preferred.
BY_NUMBER = ("whatsapp", "telegram")

texts = Catalog(
    {
        "en": {
            "created": "We registered your request #{number}: “{subject}”. Updates on it will come here.",
            "unreachable": "no channel reaches this customer: give this update by phone ({address})",
        },
        "ru": {
            "created": "Мы зарегистрировали ваше обращение №{number}: «{subject}». Новости по нему придут сюда.",
            "unreachable": "клиент недоступен ни в одном канале: сообщите это по телефону ({address})",
        },
    }
)


class PhoneRequestError(TicketError):
    pass


class PhoneAdapter:
    """The "phone" channel: nothing can be sent, so each update fails visibly in the ticket's topic."""

    name = PHONE

    def __init__(self, language: str) -> None:
        self.language = language

    async def send(self, message: OutboundMessage) -> SendResult:
        raise PermanentFailure(texts("unreachable", self.language, address=message.address))


@dataclass(frozen=True)
class Caller:
    name: str | None
    contact: str
    type: TicketType
    subject: str
    description: str


@dataclass(frozen=True)
class Opened:
    number: int
    channel: str
    address: str

    @property
    def reachable(self) -> bool:
        return self.channel != PHONE


def addresses(contact: str) -> list[tuple[str, str]]:
    """(channel, address) pairs a contact may be known as, most useful first."""
    contact = contact.strip()
    if EMAIL.match(contact):
        return [("email", contact.casefold())]
    digits = re.sub(r"[\s()+\-.]", "", contact)
    if digits.isdigit() and len(digits) >= 5:
        return [(channel, digits) for channel in BY_NUMBER]
    return []


def phone_address(contact: str) -> str:
    digits = re.sub(r"[\s()\-.]", "", contact.strip())
    return digits if re.fullmatch(r"\+?\d{5,}", digits) else contact.strip()


async def _identity(session: AsyncSession, caller: Caller) -> Identity:
    """The identity updates go to: one the customer wrote from, else a recorded phone contact."""
    known: list[Identity] = []
    for channel, address in addresses(caller.contact):
        query = select(Identity).where(col(Identity.channel) == channel, col(Identity.address) == address)
        if (identity := (await session.execute(query)).scalar_one_or_none()) is not None:
            if identity.last_inbound_at is not None:
                return identity
            known.append(identity)
    address = phone_address(caller.contact)[:128]
    query = select(Identity).where(col(Identity.channel) == PHONE, col(Identity.address) == address)
    if (identity := (await session.execute(query)).scalar_one_or_none()) is not None:
        return identity
    contact_id = known[0].contact_id if known else None
    if contact_id is None:
        contact = Contact(name=caller.name)
        session.add(contact)
        await session.flush()
        contact_id = contact.id
    assert contact_id is not None
    identity = Identity(contact_id=contact_id, channel=PHONE, address=address, display_name=caller.name)
    session.add(identity)
    for channel, email in addresses(caller.contact):
        if channel == "email" and not known:  # so the e-mail channel, once on, knows this customer
            session.add(Identity(contact_id=contact_id, channel=channel, address=email, display_name=caller.name))
    await session.flush()
    return identity


async def open_request(
    session: AsyncSession,
    caller: Caller,
    agent: Agent,
    *,
    number_start: int,
    default_language: str,
    thresholds: Thresholds | None = None,
    once: tuple[str, str] | None = None,
) -> Opened | None:
    """Register a caller's request; the customer is told where a channel reaches them.

    `once` = (receipt channel, key): None is returned when that key was handled before (a repeated update).
    """
    if not caller.subject.strip() or not caller.contact.strip():
        raise PhoneRequestError("a request needs at least a contact and a subject")
    if once is not None and not await claim_receipt(session, *once):
        return None
    identity = await _identity(session, caller)
    contact = await session.get(Contact, identity.contact_id)
    assert contact is not None
    language = pick_language(identity.language or contact.language, default_language)
    ticket = Ticket(
        number=await allocate_number(session, number_start),
        type=caller.type,
        subject=caller.subject.strip()[:200],
        description=caller.description.strip() or caller.subject.strip(),
        channel=identity.channel,
        address=identity.address,
        language=language,
        contact_id=identity.contact_id,
        organization_id=contact.organization_id,
        public_token=new_token(),
    )
    await lookalike.on_created(session, ticket, thresholds)  # before the INSERT, as intake's new_ticket
    session.add(ticket)
    await session.flush()
    await sla.start(session, ticket)
    record(session, ticket, "created", agent.actor, to_status=TicketStatus.NEW, comment=f"by phone: {caller.contact}")
    if identity.channel != PHONE:
        notify_customer(session, ticket, texts("created", language, number=ticket.number, subject=ticket.subject))
    to_desk(session, ticket, "ticket_created")
    return Opened(ticket.number, identity.channel, identity.address)
