"""Where a customer's message goes: the one decision that both ways of writing it take.

`decide` is the whole ladder (the access gate, commands, confirmations and ratings, dialogs, replies
to a particular message, a new mail, plain words). It asks about the sender only through `Facts`:
the full path (`core.conversation`) answers each question with a query when it is asked; the group
lane (`core.express`) answers from one lookup made for a whole group of messages and raises
`Unknown` for anything that lookup did not fetch, which sends that message down the full path. A
rule added here therefore applies to every message, whichever way it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from core.feedback import COMMENT_STEP, KINDS, typed_confirmation
from core.messages import InboundMessage

T = TypeVar("T")

ACCESS_STEP = "access_code"
"""The dialog step of a contact asked for their organization's access code (core.access)."""
PICK_STEP = "pick_ticket"
"""The dialog step of a contact asked which of their open requests a message is about."""
# Looking at earlier requests stays possible after a contract ends.
ALWAYS_ALLOWED = frozenset({"list", "status", "cancel"})

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


class Unknown(Exception):
    """A fact the asker did not fetch: the message must take the full path."""


class Facts(Protocol[T]):
    """What the decision may ask about the sender of a message (T: how a ticket is represented)."""

    async def dialog_step(self) -> str | None: ...
    async def owes_access_code(self) -> bool:
        """REQUIRE_CONTRACT is on and the contact has no organization yet."""
        ...

    async def contract_valid(self) -> bool: ...
    async def latest_solved(self) -> int | None: ...
    async def replied_ticket(self) -> T | None:
        """The sender's ticket of the message they replied to (the platform said which one)."""
        ...

    async def answered_ticket(self) -> T | None:
        """The ticket of an earlier message this one answers (mail headers), or that it names."""
        ...

    async def active_tickets(self) -> list[T]:
        """The contact's requests that are not closed, most recently updated first."""
        ...

    async def latest_closed(self) -> T | None: ...
    def closed(self, ticket: T) -> bool: ...


@dataclass(frozen=True)
class Route(Generic[T]):
    """What to do with a message. `kind` is one of the names below; the rest say with what."""

    kind: str
    ticket: T | None = None
    tickets: tuple[T, ...] = ()
    command: tuple[str, str] | None = None
    number: int = 0
    value: str = ""


# The kinds of Route, in the ladder's order.
CHECK_CODE = "check_code"  # the contact's answer to "your access code?"
ASK_CODE = "ask_code"
REFUSE = "refuse"  # no valid contract
COMMAND = "command"
FEEDBACK_BUTTON = "feedback_button"  # "solved" / "not solved" / a rating, pressed
REOPEN_REASON = "reopen_reason"  # why it was not solved, after "not solved"
TYPED_CONFIRMATION = "typed_confirmation"  # "solved" typed on a channel without buttons
PICK_TICKET = "pick_ticket"  # the answer to "which request?"
INTAKE = "intake"  # the next answer of the dialog that collects a request
TYPE_RESTART = "type_restart"  # a type button of an earlier, finished dialog
AFTER_CLOSE = "after_close"  # words for a closed request: reopened or a new linked one
ANSWER = "answer"  # words for the request the message replies to
OPEN_AT_ONCE = "open_at_once"  # a complete request at once (a new mail)
START_INTAKE = "start_intake"
APPEND = "append"  # words for the contact's only open request
ASK_PICK = "ask_pick"  # several open requests: ask which one


def parse_command(message: InboundMessage) -> tuple[str, str] | None:
    if message.choice in MENU_CHOICES:
        return MENU_CHOICES[message.choice], ""
    head, _, rest = message.text.strip().partition(" ")
    # "/status@SupportBot 1042" in groups; harmless elsewhere.
    name = COMMANDS.get(head.split("@")[0].casefold())
    return (name, rest.strip()) if name else None


def may_append(message: InboundMessage) -> bool:
    """Whether `decide` can send this message to APPEND, told from the message alone: one with a
    subject (a mail) answers a request or is a complete one (ANSWER, OPEN_AT_ONCE precede APPEND)."""
    return message.subject is None


async def decide(message: InboundMessage, facts: Facts[T], *, require_contract: bool) -> Route[T]:
    step = await facts.dialog_step()
    command = parse_command(message)
    name = command[0] if command else None
    if require_contract:
        if await facts.owes_access_code():
            return Route(CHECK_CODE if step == ACCESS_STEP and name is None else ASK_CODE)
        # Requests opened under the contract are still seen through after it ends.
        through = name is None and step in (None, PICK_STEP) and bool(await facts.active_tickets())
        if not (name in ALWAYS_ALLOWED or through or await facts.contract_valid()):
            return Route(REFUSE)
    if command:
        return Route(COMMAND, command=command)
    kind, _, rest = (message.choice or "").partition(":")
    number, _, value = rest.partition(":")
    if kind in KINDS and number.isdigit():
        # A button, even while we wait for a reason: pressing "Solved" after "Not solved" is answered,
        # never taken as the reason (nor does it reopen again).
        return Route(FEEDBACK_BUTTON, command=(kind, value), number=int(number))
    if step == COMMENT_STEP:
        return Route(REOPEN_REASON)
    if step is None and (typed := typed_confirmation(message.text)) and (solved := await facts.latest_solved()):
        return Route(TYPED_CONFIRMATION, command=(typed, ""), number=solved)
    if step == PICK_STEP:
        return Route(PICK_TICKET)
    if step is not None:
        return Route(INTAKE)
    if message.choice and message.choice.startswith("type:"):
        return Route(TYPE_RESTART)
    replied = await facts.replied_ticket() if message.reply_to else None
    if replied is None and (message.reply_candidates or message.ticket_hint is not None):
        replied = await facts.answered_ticket()
    if replied is not None:
        return Route(AFTER_CLOSE if facts.closed(replied) else ANSWER, ticket=replied)
    if message.subject is not None:
        return Route(OPEN_AT_ONCE)
    active = await facts.active_tickets()
    if len(active) == 1:
        return Route(APPEND, ticket=active[0])
    if active:
        return Route(ASK_PICK, tickets=tuple(active))
    if (closed := await facts.latest_closed()) is not None:
        return Route(AFTER_CLOSE, ticket=closed)
    return Route(START_INTAKE)
