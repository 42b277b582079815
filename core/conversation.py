"""What happens to a customer's message: a command, a dialog answer, or words for a ticket."""

from __future__ import annotations

from sqlalchemy import select

from core import access, feedback, followup, intake, requests, ticket_thread
from core.dialog import collect, get_dialog, resolve_choice
from core.messages import Choice
from core.models import Dialog, Message, OutboxMessage, Ticket, TicketStatus
from core.tickets import ACTIVE_STATUSES, status_name, type_name
from core.turn import Turn

COMMANDS = {
    "/start": "start",
    "/help": "start",
    "/menu": "start",
    "/new": "new",
    "/list": "list",
    "/my": "list",
    "/requests": "list",
    "/status": "status",
    "/cancel": "cancel",
}
MENU_CHOICES = {"menu:new": "new", "menu:list": "list"}


def parse_command(turn: Turn) -> tuple[str, str] | None:
    if turn.inbound.choice in MENU_CHOICES:
        return MENU_CHOICES[turn.inbound.choice], ""
    head, _, rest = turn.text.partition(" ")
    # "/status@SupportBot 1042" in groups; harmless elsewhere.
    name = COMMANDS.get(head.split("@")[0].casefold())
    return (name, rest.strip()) if name else None


async def handle(turn: Turn) -> None:
    assert turn.identity.id is not None
    dialog = await get_dialog(turn.session, turn.identity.id)
    command = parse_command(turn)
    if await access.gate(turn, dialog, command[0] if command else None):
        return
    if command:
        await run_command(turn, dialog, *command)
    elif await feedback.handle(turn, dialog):
        return
    elif dialog and dialog.step == "pick_ticket":
        await pick_ticket(turn, dialog)
    elif dialog:
        await intake.advance(turn, dialog)
    elif turn.inbound.choice and turn.inbound.choice.startswith("type:"):
        # A type button from an earlier, finished dialog: start over with that answer.
        await intake.advance(turn, intake.open_dialog(turn, None))
    elif ticket := await ticket_replied_to(turn) or await requests.answered_ticket(turn):
        if ticket.status == TicketStatus.CLOSED:
            await followup.after_close(turn, ticket)
        else:
            await ticket_thread.append(turn, ticket)
            await requests.answered(turn, ticket)
    elif turn.inbound.subject is not None:
        await requests.open_at_once(turn)
    else:
        await route_free_text(turn)


async def route_free_text(turn: Turn) -> None:
    active = await customer_tickets(turn, active_only=True)
    if not active and (closed := await followup.latest_closed(turn)) is not None:
        await followup.after_close(turn, closed)
    elif not active:
        await intake.start(turn, None, carry=collect(turn, {}))
    elif len(active) == 1:
        await ticket_thread.append(turn, active[0])
    else:
        assert turn.identity.id is not None
        dialog = Dialog(identity_id=turn.identity.id, step="pick_ticket")
        turn.session.add(dialog)
        dialog.data = collect(turn, {})
        ask_pick(turn, active)


async def run_command(turn: Turn, dialog: Dialog | None, name: str, argument: str) -> None:
    if name in ("start", "cancel") and dialog is not None:
        await turn.session.delete(dialog)
    if name == "start":
        turn.reply(turn.t("greeting"), turn.menu())
    elif name == "cancel":
        turn.reply(turn.t("cancelled"), turn.menu())
    elif name == "new":
        # Messages waiting for "which request?" belong to the new one.
        carry = dialog.data if dialog is not None and dialog.step == "pick_ticket" else None
        await intake.start(turn, dialog, carry=carry)
    elif name == "list":
        await show_list(turn)
    elif name == "status":
        await show_status(turn, argument)


async def customer_tickets(turn: Turn, *, active_only: bool = False) -> list[Ticket]:
    query = select(Ticket).where(Ticket.contact_id == turn.identity.contact_id)
    if active_only:
        query = query.where(Ticket.status.in_(ACTIVE_STATUSES))  # type: ignore[attr-defined]
    query = query.order_by(Ticket.updated_at.desc())  # type: ignore[attr-defined]
    return list((await turn.session.execute(query)).scalars())


def describe(turn: Turn, ticket: Ticket, key: str) -> str:
    return turn.t(
        key,
        number=ticket.number,
        type=type_name(ticket.type, turn.language),
        subject=ticket.subject,
        status=status_name(ticket.status, turn.language),
        updated=ticket.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


async def show_list(turn: Turn) -> None:
    tickets = await customer_tickets(turn)
    if not tickets:
        turn.reply(turn.t("list.empty"), [turn.choice("menu:new")])
        return
    lines = [describe(turn, ticket, "list.item") for ticket in tickets[:20]]
    turn.reply("\n".join([turn.t("list.header"), *lines]), [turn.choice("menu:new")])


async def show_status(turn: Turn, argument: str) -> None:
    number = argument.lstrip("#№").strip()
    if not number.isdigit():
        await show_list(turn) if not number else turn.reply(turn.t("status.usage"))
        return
    ticket = await ticket_thread.owned_ticket(turn.session, turn, int(number))
    if ticket is None:
        # The same answer whether the number exists or not: others' tickets stay invisible.
        turn.reply(turn.t("ticket.not_found", number=number))
        return
    turn.reply(describe(turn, ticket, "ticket.card"), ticket_id=ticket.id)


async def ticket_replied_to(turn: Turn) -> Ticket | None:
    """The ticket of the message the customer replied to, if the platform said which one."""
    reply_to = turn.inbound.reply_to
    if not reply_to:
        return None
    channel, address = turn.identity.channel, turn.identity.address
    outbound = select(OutboxMessage.ticket_id).where(
        OutboxMessage.channel == channel, OutboxMessage.address == address, OutboxMessage.external_id == reply_to
    )
    inbound = select(Message.ticket_id).where(
        Message.channel == channel, Message.address == address, Message.external_id == reply_to
    )
    for query in (outbound, inbound):
        ticket_id = (await turn.session.execute(query.limit(1))).scalar_one_or_none()
        if ticket_id is not None:
            ticket = await turn.session.get(Ticket, ticket_id)
            if ticket is not None and ticket.contact_id == turn.identity.contact_id:
                return ticket
    return None


def pick_choices(turn: Turn, tickets: list[Ticket]) -> list[Choice]:
    choices = [Choice(id=f"ticket:{t.number}", label=f"#{t.number} · {t.subject}"[:60]) for t in tickets[:9]]
    return [*choices, turn.choice("menu:new", "pick_ticket.new")]


def ask_pick(turn: Turn, tickets: list[Ticket]) -> None:
    turn.reply(turn.t("pick_ticket"), pick_choices(turn, tickets))


async def pick_ticket(turn: Turn, dialog: Dialog) -> None:
    data = collect(turn, dialog.data)
    dialog.data = data
    active = await customer_tickets(turn, active_only=True)
    picked = resolve_choice(turn, pick_choices(turn, active), numbers=True)
    ticket = next((t for t in active if picked == f"ticket:{t.number}"), None)
    if ticket is not None:
        await turn.session.delete(dialog)
        await ticket_thread.append(turn, ticket, data)
        turn.reply(turn.t("appended", number=ticket.number), ticket_id=ticket.id)
    elif not active:
        await intake.start(turn, dialog, carry=data)
    elif turn.attachments and not turn.text:
        return  # more files of the same message group: keep them, the question stands
    else:
        ask_pick(turn, active)
