"""Complete requests: a message that carries a whole request (a mail) opens a ticket at once, and
its follow-ups find their ticket by the ids they answer, not by a dialog."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core import feedback, intake
from core.closing import RATINGS
from core.dialog import collect
from core.models import Message, OutboxMessage, OutboxStatus, Ticket, TicketStatus, TicketType
from core.request_texts import request_texts
from core.statuspage import status_link
from core.tickets import notify_customer, record, type_name
from core.turn import Turn

# Incident rather than consultation: its targets are the shorter ones, so a mis-typed request is
# answered early rather than late; the auto-reply asks, and agents can change it with /type.
DEFAULT_TYPE = TicketType.INCIDENT
# Types a customer may pick by a one-word reply (mass incidents are the agents' call).
CUSTOMER_TYPES = (TicketType.INCIDENT, TicketType.CONSULTATION, TicketType.FEATURE_REQUEST)
RATING_WORDS = frozenset(str(value) for value in RATINGS)


async def answered_ticket(turn: Turn) -> Ticket | None:
    """The ticket of the earlier message this one answers (any sender: the ids are unguessable),
    else the ticket it names, if the sender is that ticket's own contact."""
    channel = turn.identity.channel
    for candidate in turn.inbound.reply_candidates:
        ours = select(col(OutboxMessage.ticket_id)).where(
            col(OutboxMessage.channel) == channel,
            col(OutboxMessage.external_id) == candidate,
            col(OutboxMessage.ticket_id).is_not(None),
        )
        theirs = select(col(Message.ticket_id)).where(
            col(Message.channel) == channel,
            col(Message.external_id) == candidate,
            col(Message.ticket_id).is_not(None),
        )
        for query in (ours, theirs):
            ticket_id = (await turn.session.execute(query.limit(1))).scalar_one_or_none()
            if ticket_id is not None and (ticket := await turn.session.get(Ticket, ticket_id)) is not None:
                return ticket
    if turn.inbound.ticket_hint is not None:
        named = select(Ticket).where(col(Ticket.number) == turn.inbound.ticket_hint)
        ticket = (await turn.session.execute(named)).scalar_one_or_none()
        if ticket is not None and await own_address(turn, ticket):
            return ticket
    return None


async def own_address(turn: Turn, ticket: Ticket) -> bool:
    """The sender is the ticket's own contact, or an address on this channel that the ticket's
    messages were sent to (the e-mail a web-chat visitor left for replies while away)."""
    if ticket.contact_id == turn.identity.contact_id:
        return True
    sent = select(col(OutboxMessage.id)).where(
        col(OutboxMessage.ticket_id) == ticket.id,
        col(OutboxMessage.channel) == turn.identity.channel,
        col(OutboxMessage.address) == turn.identity.address,
        col(OutboxMessage.status) == OutboxStatus.SENT,
    )
    return (await turn.session.execute(sent.limit(1))).first() is not None


async def open_at_once(turn: Turn) -> Ticket:
    """A ticket from one complete request: its subject, its text as the description, its files."""
    text = turn.text
    subject = (
        (turn.inbound.subject or "").strip()
        or text.partition("\n")[0].strip()
        or request_texts("request.untitled", turn.language)
    )
    subject = subject[: turn.limits.subject_max]
    description = text[: turn.limits.description_max] or subject
    # Asked first: its statement would otherwise flush the agents' card alone, and the card and the
    # automatic reply, queued together, go in one INSERT.
    automatic = turn.inbound.automatic_replies and await _may_reply_automatically(turn)
    ticket = await intake.new_ticket(
        turn, collect(turn, {}), ticket_type=DEFAULT_TYPE, subject=subject, description=description
    )
    if automatic:
        words = " / ".join(type_words(t, turn.language)[0] for t in CUSTOMER_TYPES)
        lang = turn.language
        reply = request_texts("created.complete", lang, number=ticket.number, subject=ticket.subject)
        reply += "\n\n" + request_texts("created.type", lang, type=type_name(DEFAULT_TYPE, lang), words=words)
        notify_customer(turn.session, ticket, reply + status_link(turn, ticket), meta={"automatic": True})
    tell_refused(turn, ticket, automatic=automatic)
    return ticket


async def _may_reply_automatically(turn: Turn) -> bool:
    guard = turn.auto_reply_guard
    return guard is None or await guard(turn.session, turn.inbound.sender, turn.now)


def type_words(ticket_type: TicketType, language: str) -> list[str]:
    return request_texts(f"type_word.{ticket_type.value}", language).split(",")


def typed_type(text: str) -> TicketType | None:
    """The type a one-word reply picks ("question", "вопрос", "Consultation", ...), in any language."""
    typed = text.strip().strip(".!").casefold()
    for ticket_type in CUSTOMER_TYPES:
        words = {
            w.strip().casefold()
            for v in request_texts.all_values(f"type_word.{ticket_type.value}")
            for w in v.split(",")
        }
        if typed in words:
            return ticket_type
    return None


async def answered(turn: Turn, ticket: Ticket) -> None:
    """What a follow-up of a complete request may change besides adding to the ticket: the type,
    picked by one word while the ticket is new, or the rating, a digit answering the closing notice."""
    picked = typed_type(turn.text)
    if ticket.status == TicketStatus.CLOSED and ticket.rating is None and turn.text in RATING_WORDS:
        await feedback.rate(turn, ticket.number, turn.text)
    elif picked is not None and ticket.status == TicketStatus.NEW:
        record_type(turn.session, ticket, picked, turn.actor)  # the word itself reaches the topic as a message
    tell_refused(turn, ticket, automatic=turn.inbound.automatic_replies)


def record_type(session: AsyncSession, ticket: Ticket, picked: TicketType, actor: str) -> None:
    if picked != ticket.type:
        record(session, ticket, "type", actor, comment=f"{TicketType(ticket.type).value} -> {picked.value}")
        ticket.type = picked


def tell_refused(turn: Turn, ticket: Ticket, *, automatic: bool) -> None:
    if turn.inbound.refused_files and automatic:
        names = ", ".join(turn.inbound.refused_files)
        notify_customer(
            turn.session,
            ticket,
            request_texts("files.refused", turn.language, number=ticket.number, names=names),
            meta={"automatic": True},
        )
