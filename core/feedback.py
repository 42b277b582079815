"""The customer's side of closing: confirm a solution, say why it is not solved, rate the support."""

from __future__ import annotations

from core import ticket_thread
from core.dialog import collect, link_to_ticket
from core.models import Dialog, Ticket, TicketStatus
from core.outbox import to_desk
from core.service_texts import service_texts
from core.status import change_status
from core.tickets import record, status_name, touch
from core.turn import Turn

COMMENT_STEP = "reopen_comment"
KINDS = ("solved", "unsolved", "rate")


def typed_confirmation(text: str) -> str | None:
    """ "Solved" / "Не решено" typed instead of pressed, on channels without buttons."""
    typed = text.strip().casefold()
    for kind in ("solved", "unsolved"):
        if typed in {label.casefold() for label in service_texts.all_values(f"confirm.{kind}")}:
            return kind
    return None


async def confirm(turn: Turn, dialog: Dialog | None, kind: str, number: int) -> None:
    """ "Solved" closes; "Not solved" reopens at once and asks why. Either acts once: later presses are answered."""
    ticket = await ticket_thread.owned_ticket(turn.session, turn, number)
    if ticket is None:
        turn.reply(turn.t("ticket.not_found", number=number))
        return
    if ticket.status != TicketStatus.SOLVED:
        status = status_name(ticket.status, turn.language)
        turn.reply(service_texts("confirm.stale", turn.language, number=number, status=status), ticket_id=ticket.id)
        return
    await link_to_ticket(turn.session, ticket, collect(turn, {}))
    if kind == "solved":
        await change_status(turn.session, ticket, TicketStatus.CLOSED, actor=turn.actor)
        return
    # The reply below says what was chosen and what happens; the usual status notice would repeat it.
    await change_status(turn.session, ticket, TicketStatus.IN_PROGRESS, actor=turn.actor, notify=False)
    if dialog is None:
        assert turn.identity.id is not None
        dialog = Dialog(identity_id=turn.identity.id, step=COMMENT_STEP)
        turn.session.add(dialog)
    dialog.step, dialog.data = COMMENT_STEP, {"ticket": number}
    turn.reply(service_texts("confirm.reopened", turn.language, number=number), ticket_id=ticket.id)


async def take_reason(turn: Turn, dialog: Dialog) -> None:
    """The customer's answer to "what is still wrong?": on the ticket, and shown to the agents as such."""
    ticket = await ticket_thread.owned_ticket(turn.session, turn, int(dialog.data["ticket"]))
    await turn.session.delete(dialog)
    if ticket is None:
        return
    data = collect(turn, {})
    await link_to_ticket(turn.session, ticket, data)
    touch(ticket)
    reason = turn.text or "-"
    record(turn.session, ticket, "unsolved_reason", turn.actor, comment=reason)
    to_desk(turn.session, ticket, "unsolved_reason", message_id=turn.message.id, reason=reason)
    if turn.attachments:  # files travel as the customer's message, which the desk copies
        to_desk(turn.session, ticket, "customer_message", message_id=turn.message.id)
    turn.reply(service_texts("confirm.reason_sent", turn.language, number=ticket.number), ticket_id=ticket.id)


async def rate(turn: Turn, number: int, value: str) -> None:
    ticket = await ticket_thread.owned_ticket(turn.session, turn, number)
    if ticket is None or ticket.status != TicketStatus.CLOSED or not value.isdigit() or not 1 <= int(value) <= 5:
        turn.reply(turn.t("ticket.not_found", number=number) if ticket is None else turn.t("error.choice_expected"))
        return
    await rate_ticket(turn, ticket, int(value))


async def rate_ticket(turn: Turn, ticket: Ticket, value: int) -> None:
    """Store the rating once and show it to the agents; a second one is thanked, not stored."""
    if ticket.rating is not None:
        turn.reply(service_texts("rated.already", turn.language, number=ticket.number), ticket_id=ticket.id)
        return
    ticket.rating = value
    record(turn.session, ticket, "rated", turn.actor, comment=str(value))
    to_desk(turn.session, ticket, "rating", rating=ticket.rating)
    turn.reply(service_texts("rated", turn.language), ticket_id=ticket.id)
