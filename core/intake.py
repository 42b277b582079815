"""The intake dialog: the clarifying questions that turn a conversation into a ticket."""

from __future__ import annotations

from typing import Any

from core import expected, follow_link, lookalike, mass_offer, sla
from core.dialog import collect, link_to_ticket, resolve_choice
from core.messages import Choice
from core.models import Contact, Dialog, Ticket, TicketStatus, TicketType
from core.outbox import to_desk
from core.statuspage import new_token, status_link
from core.tickets import allocate_number, notify_customer, record
from core.timeutil import utcnow
from core.turn import Turn

STEPS = ("type", "subject", "description", "screenshot")


def step_choices(turn: Turn, step: str, data: dict[str, Any]) -> list[Choice]:
    cancel = turn.choice("nav:cancel")
    if step == "type":
        return [*(turn.choice(f"type:{kind.value}") for kind in TicketType), cancel]
    if step == "screenshot":
        skip = turn.choice("nav:skip", "screenshot.done" if data.get("attachment_ids") else "nav.skip")
        return [skip, turn.choice("nav:back"), cancel]
    return [turn.choice("nav:back"), cancel]


def ask(turn: Turn, dialog: Dialog, error: str | None = None) -> None:
    step = dialog.step
    question = turn.t(f"ask.{step}", max=turn.limits.subject_max)
    turn.reply(f"{error}\n\n{question}" if error else question, step_choices(turn, step, dialog.data))


def open_dialog(turn: Turn, dialog: Dialog | None, carry: dict[str, Any] | None = None) -> Dialog:
    if dialog is None:
        assert turn.identity.id is not None
        dialog = Dialog(identity_id=turn.identity.id, step="type")
        turn.session.add(dialog)
    dialog.step, dialog.data, dialog.updated_at = "type", carry or {}, utcnow()
    return dialog


async def start(turn: Turn, dialog: Dialog | None, *, carry: dict[str, Any] | None = None) -> None:
    """Begin a new intake; `carry` holds messages already received that belong to the request."""
    ask(turn, open_dialog(turn, dialog, carry))


def text_answer_error(turn: Turn, limit: int) -> str | None:
    if not turn.text:
        return turn.t("error.text_expected" if turn.attachments else "error.empty")
    if len(turn.text) > limit:
        return turn.t("error.too_long", length=len(turn.text), max=limit)
    return None


async def advance(turn: Turn, dialog: Dialog) -> None:
    """Take the customer's answer to the current question and ask the next one (or finish)."""
    if dialog.step == mass_offer.STEP:
        if await mass_offer.answer(turn, dialog):
            ask(turn, dialog)  # not one of the incidents: the usual questions go on
        return
    data = collect(turn, dialog.data)
    dialog.data, dialog.updated_at = data, utcnow()
    step = dialog.step
    picked = resolve_choice(turn, step_choices(turn, step, data), numbers=step == "type")
    if picked == "nav:cancel":
        await turn.session.delete(dialog)
        turn.reply(turn.t("cancelled"), turn.menu())
        return
    if picked == "nav:back":
        dialog.step = STEPS[max(STEPS.index(step) - 1, 0)]
        ask(turn, dialog)
        return

    error: str | None = None
    if step == "type":
        if picked and picked.startswith("type:"):
            dialog.data = {**data, "type": picked.removeprefix("type:")}
            dialog.step = "subject"
            if await mass_offer.offer(turn, dialog):
                return
        else:
            error = turn.t("error.choice_expected")
    elif step in ("subject", "description"):
        limit = turn.limits.subject_max if step == "subject" else turn.limits.description_max
        error = text_answer_error(turn, limit)
        if error is None:
            dialog.data = {**data, step: turn.text}
            dialog.step = STEPS[STEPS.index(step) + 1]
    elif step == "screenshot":
        if picked == "nav:skip" or turn.attachments:
            await create_ticket(turn, dialog)
            return
        error = turn.t("error.file_expected")
    ask(turn, dialog, error)


async def create_ticket(turn: Turn, dialog: Dialog) -> Ticket:
    data = dialog.data
    ticket = await new_ticket(
        turn, data, ticket_type=TicketType(data["type"]), subject=data["subject"], description=data["description"]
    )
    await turn.session.delete(dialog)
    linked = await follow_link.link(turn.session, ticket, data, turn.actor)  # its desk event after the card
    notify_customer(
        turn.session,
        ticket,
        turn.t("created", number=ticket.number, subject=ticket.subject)
        + await expected.creation_line(turn.session, ticket, turn.now)
        + linked
        + status_link(turn, ticket),
        [turn.choice("menu:list")],
    )
    return ticket


async def new_ticket(
    turn: Turn, data: dict[str, Any], *, ticket_type: TicketType, subject: str, description: str
) -> Ticket:
    """A new ticket of the turn's contact holding the messages and files in `data`; the agents' desk is told."""
    session = turn.session
    contact = await session.get(Contact, turn.identity.contact_id)
    assert contact is not None
    ticket = Ticket(
        number=await allocate_number(session, turn.limits.ticket_number_start),
        type=ticket_type,
        subject=subject,
        description=description,
        channel=turn.identity.channel,
        address=turn.identity.address,
        language=turn.language,
        contact_id=contact.id,
        organization_id=contact.organization_id,
        public_token=new_token(),
        # The moment the SLA clocks start from (sla.start below): the due times are counted from it.
        created_at=turn.now,
        updated_at=turn.now,
    )
    # Before the INSERT: a report that joins a look-alike suggestion is inserted in it.
    await lookalike.on_created(session, ticket, turn.limits.lookalike)
    session.add(ticket)
    await session.flush()
    await link_to_ticket(session, ticket, data)
    await sla.start(session, ticket, now=turn.now)
    # At the ticket's own time: its updated_at stays as inserted (no UPDATE right after the INSERT).
    record(session, ticket, "created", turn.actor, to_status=TicketStatus.NEW, at=turn.now)
    to_desk(session, ticket, "ticket_created")
    return ticket
