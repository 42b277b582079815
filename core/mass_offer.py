""" "Is your problem this one?": a new incident report offered the open mass incidents to join."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core import mass
from core.dialog import collect, link_to_ticket, resolve_choice
from core.messages import Choice
from core.models import Contact, Dialog, Ticket, TicketStatus, TicketType
from core.outbox import to_desk
from core.service_texts import service_texts
from core.statuspage import new_token, status_link
from core.tickets import allocate_number, notify_customer, record
from core.turn import Turn

STEP = "mass_offer"
OFFERED_TYPES = {TicketType.INCIDENT.value, TicketType.MASS_INCIDENT.value}
MAX_OFFERED = 5


def offer_choices(turn: Turn, incidents: list[Ticket]) -> list[Choice]:
    items = [
        Choice(
            id=f"mass:{ticket.number}",
            label=service_texts("mass.offer.item", turn.language, number=ticket.number, subject=ticket.subject)[:60],
        )
        for ticket in incidents[:MAX_OFFERED]
    ]
    none = Choice(id="mass:none", label=service_texts("mass.offer.none", turn.language))
    return [*items, none, turn.choice("nav:cancel")]


async def offer(turn: Turn, dialog: Dialog) -> bool:
    """After the customer picked an incident type: offer the open mass incidents, if any."""
    if dialog.data.get("type") not in OFFERED_TYPES:
        return False
    incidents = await mass.open_incidents(turn.session)
    if not incidents:
        return False
    dialog.step = STEP
    turn.reply(service_texts("mass.offer", turn.language), offer_choices(turn, incidents))
    return True


async def answer(turn: Turn, dialog: Dialog) -> bool:
    """The customer's pick among the offered incidents; True when it is none of them (intake goes on)."""
    data = collect(turn, dialog.data)
    dialog.data = data
    incidents = await mass.open_incidents(turn.session)
    choices = offer_choices(turn, incidents)
    picked = resolve_choice(turn, choices, numbers=True)
    parent = next((t for t in incidents if picked == f"mass:{t.number}"), None)
    if picked == "nav:cancel":
        await turn.session.delete(dialog)
        turn.reply(turn.t("cancelled"), turn.menu())
    elif parent is not None:
        await join(turn, dialog, parent)
    elif picked == "mass:none" or not incidents:
        # Not theirs (or it was closed meanwhile): the usual questions go on.
        dialog.step = "subject"
        return True
    else:
        turn.reply(turn.t("error.choice_expected"), choices)
    return False


async def join(turn: Turn, dialog: Dialog, parent: Ticket) -> Ticket:
    """The customer's own ticket, linked to the mass incident; agents are not disturbed by it."""
    session: AsyncSession = turn.session
    contact = await session.get(Contact, turn.identity.contact_id)
    assert contact is not None and parent.id is not None
    status = TicketStatus.IN_PROGRESS if parent.status != TicketStatus.NEW else TicketStatus.NEW
    ticket = Ticket(
        number=await allocate_number(session, turn.limits.ticket_number_start),
        type=TicketType.INCIDENT,
        subject=parent.subject,
        description=service_texts("mass.offer.item", turn.language, number=parent.number, subject=parent.subject),
        channel=turn.identity.channel,
        address=turn.identity.address,
        language=turn.language,
        contact_id=contact.id,
        organization_id=contact.organization_id,
        parent_id=parent.id,
        status=status,
        public_token=new_token(),
    )
    session.add(ticket)
    await session.flush()
    await link_to_ticket(session, ticket, dialog.data)
    record(session, ticket, "created", turn.actor, to_status=status, comment=f"joined #{parent.number}")
    # Counted on the mass incident's card (one edit for a burst of them), not a topic of its own.
    to_desk(session, parent, "mass_joined", child=ticket.number, linked=await mass.linked_count(session, parent))
    await session.delete(dialog)
    text = service_texts(
        "mass.joined", turn.language, number=ticket.number, parent=parent.number, subject=parent.subject
    )
    notify_customer(session, ticket, text + status_link(turn, ticket), [turn.choice("menu:list")])
    return ticket
