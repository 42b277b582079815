"""The customer's side of closing: confirm a solution, reopen with a comment, rate the support."""

from __future__ import annotations

from sqlalchemy import select

from core import ticket_thread
from core.dialog import collect, link_to_ticket
from core.models import Dialog, Ticket, TicketStatus
from core.outbox import to_desk
from core.service_texts import service_texts
from core.status import change_status
from core.tickets import record, status_name
from core.turn import Turn

COMMENT_STEP = "reopen_comment"


async def handle(turn: Turn, dialog: Dialog | None) -> bool:
    """Handle a confirmation, a rating or a reopen comment; False if the turn is none of them."""
    if dialog is not None and dialog.step == COMMENT_STEP:
        await reopen_with_comment(turn, dialog)
        return True
    kind, _, rest = (turn.inbound.choice or "").partition(":")
    number, _, value = rest.partition(":")
    if kind not in ("solved", "unsolved", "rate") or not number.isdigit():
        if dialog is None and (typed := typed_confirmation(turn.text)):
            kind, number = typed, await latest_solved(turn)
            if number:
                await confirm(turn, dialog, kind, int(number))
                return True
        return False
    if kind == "rate":
        await rate(turn, int(number), value)
    else:
        await confirm(turn, dialog, kind, int(number))
    return True


def typed_confirmation(text: str) -> str | None:
    """ "Solved" / "Не решено" typed instead of pressed, on channels without buttons."""
    typed = text.strip().casefold()
    for kind in ("solved", "unsolved"):
        if typed in {label.casefold() for label in service_texts.all_values(f"confirm.{kind}")}:
            return kind
    return None


async def latest_solved(turn: Turn) -> str:
    query = (
        select(Ticket.number)
        .where(Ticket.contact_id == turn.identity.contact_id, Ticket.status == TicketStatus.SOLVED)
        .order_by(Ticket.updated_at.desc())  # type: ignore[attr-defined]
    )
    number = (await turn.session.execute(query.limit(1))).scalar_one_or_none()
    return str(number) if number is not None else ""


async def confirm(turn: Turn, dialog: Dialog | None, kind: str, number: int) -> None:
    ticket = await ticket_thread.owned_ticket(turn.session, turn, number)
    if ticket is None:
        turn.reply(turn.t("ticket.not_found", number=number))
        return
    if ticket.status != TicketStatus.SOLVED:
        turn.reply(
            service_texts(
                "confirm.stale", turn.language, number=number, status=status_name(ticket.status, turn.language)
            )
        )
        return
    await link_to_ticket(turn.session, ticket, collect(turn, {}))
    if kind == "solved":
        await change_status(turn.session, ticket, TicketStatus.CLOSED, actor=turn.actor)
        return
    if dialog is None:
        assert turn.identity.id is not None
        dialog = Dialog(identity_id=turn.identity.id, step=COMMENT_STEP)
        turn.session.add(dialog)
    dialog.step, dialog.data = COMMENT_STEP, {"ticket": number}
    turn.reply(service_texts("confirm.comment", turn.language, number=number), ticket_id=ticket.id)


async def reopen_with_comment(turn: Turn, dialog: Dialog) -> None:
    ticket = await ticket_thread.owned_ticket(turn.session, turn, int(dialog.data["ticket"]))
    await turn.session.delete(dialog)
    if ticket is None:
        return
    data = collect(turn, {})
    if ticket.status == TicketStatus.SOLVED:
        comment = turn.text or "-"
        await change_status(turn.session, ticket, TicketStatus.IN_PROGRESS, actor=turn.actor, comment=comment)
    await ticket_thread.append(turn, ticket, data)


async def rate(turn: Turn, number: int, value: str) -> None:
    ticket = await ticket_thread.owned_ticket(turn.session, turn, number)
    if ticket is None or ticket.status != TicketStatus.CLOSED or not value.isdigit() or not 1 <= int(value) <= 5:
        turn.reply(turn.t("ticket.not_found", number=number) if ticket is None else turn.t("error.choice_expected"))
        return
    if ticket.rating is not None:
        turn.reply(service_texts("rated.already", turn.language, number=number))
        return
    ticket.rating = int(value)
    record(turn.session, ticket, "rated", turn.actor, comment=value)
    to_desk(turn.session, ticket, "rating", rating=ticket.rating)
    turn.reply(service_texts("rated", turn.language), ticket_id=ticket.id)
