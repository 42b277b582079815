"""What happens to a customer's message: a command, a dialog answer, or words for a ticket."""

from __future__ import annotations

from sqlmodel import col, select

from core import access, feedback, followup, intake, requests, route, ticket_thread
from core.contacts import first_contact
from core.contracts import valid_contract
from core.dialog import collect, get_dialog, resolve_choice
from core.messages import Choice
from core.models import Contact, Dialog, Message, OutboxMessage, Ticket, TicketStatus
from core.tickets import ACTIVE_STATUSES, status_name, type_name
from core.turn import Turn


class TurnFacts:
    """The decision's questions about the sender, each answered by a query when it is first asked."""

    def __init__(self, turn: Turn) -> None:
        self.turn = turn
        self.dialog: Dialog | None = None
        self._active: list[Ticket] | None = None

    async def load(self) -> TurnFacts:
        assert self.turn.identity.id is not None
        if not first_contact(self.turn.session, self.turn.identity):  # a new sender has no dialog
            self.dialog = await get_dialog(self.turn.session, self.turn.identity.id)
        return self

    async def dialog_step(self) -> str | None:
        return self.dialog.step if self.dialog is not None else None

    async def owes_access_code(self) -> bool:
        return (await self.contact()).organization_id is None

    async def contact(self) -> Contact:
        contact = await self.turn.session.get(Contact, self.turn.identity.contact_id)
        assert contact is not None
        return contact

    async def contract_valid(self) -> bool:
        organization_id = (await self.contact()).organization_id
        return organization_id is not None and await valid_contract(self.turn.session, organization_id) is not None

    async def latest_solved(self) -> int | None:
        query = (
            select(col(Ticket.number))
            .where(col(Ticket.contact_id) == self.turn.identity.contact_id, col(Ticket.status) == TicketStatus.SOLVED)
            .order_by(col(Ticket.updated_at).desc())
        )
        return (await self.turn.session.execute(query.limit(1))).scalar_one_or_none()

    async def replied_ticket(self) -> Ticket | None:
        return await ticket_replied_to(self.turn)

    async def answered_ticket(self) -> Ticket | None:
        return await requests.answered_ticket(self.turn)

    async def active_tickets(self) -> list[Ticket]:
        if self._active is None:
            self._active = await customer_tickets(self.turn, active_only=True)
        return self._active

    async def latest_closed(self) -> Ticket | None:
        return await followup.latest_closed(self.turn)

    def closed(self, ticket: Ticket) -> bool:
        return ticket.status == TicketStatus.CLOSED


async def handle(turn: Turn) -> None:
    facts = await TurnFacts(turn).load()
    chosen = await route.decide(turn.inbound, facts, require_contract=turn.limits.require_contract)
    dialog, kind = facts.dialog, chosen.kind
    if kind == route.CHECK_CODE:
        assert dialog is not None
        await access.check_code(turn, dialog, await facts.contact())
    elif kind == route.ASK_CODE:
        access.ask_code(turn, dialog)
    elif kind == route.REFUSE:
        organization_id = (await facts.contact()).organization_id
        assert organization_id is not None
        await access.refuse(turn, turn.session, organization_id)
        if dialog is not None:
            await turn.session.delete(dialog)
    elif kind == route.COMMAND:
        assert chosen.command is not None
        await run_command(turn, dialog, *chosen.command)
    elif kind == route.FEEDBACK_BUTTON:
        assert chosen.command is not None
        button, value = chosen.command
        if button == "rate":
            await feedback.rate(turn, chosen.number, value)
        else:
            await feedback.confirm(turn, dialog, button, chosen.number)
    elif kind == route.REOPEN_REASON:
        assert dialog is not None
        await feedback.take_reason(turn, dialog)
    elif kind == route.TYPED_CONFIRMATION:
        assert chosen.command is not None
        await feedback.confirm(turn, dialog, chosen.command[0], chosen.number)
    elif kind == route.PICK_TICKET:
        assert dialog is not None
        await pick_ticket(turn, dialog)
    elif kind == route.INTAKE:
        assert dialog is not None
        await intake.advance(turn, dialog)
    elif kind == route.TYPE_RESTART:
        await intake.advance(turn, intake.open_dialog(turn, None))
    elif kind == route.AFTER_CLOSE:
        assert chosen.ticket is not None
        await followup.after_close(turn, chosen.ticket)
    elif kind == route.ANSWER:
        assert chosen.ticket is not None
        await ticket_thread.append(turn, chosen.ticket)
        await requests.answered(turn, chosen.ticket)
    elif kind == route.OPEN_AT_ONCE:
        await requests.open_at_once(turn)
    elif kind == route.APPEND:
        assert chosen.ticket is not None
        await ticket_thread.append(turn, chosen.ticket)
    elif kind == route.ASK_PICK:
        assert turn.identity.id is not None
        dialog = Dialog(identity_id=turn.identity.id, step=route.PICK_STEP)
        turn.session.add(dialog)
        dialog.data = collect(turn, {})
        ask_pick(turn, list(chosen.tickets))
    else:
        assert kind == route.START_INTAKE, kind
        await intake.start(turn, None, carry=collect(turn, {}))


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
