"""REQUIRE_CONTRACT: who may open requests, asked for their organization's access code first."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core import access_limits, intake
from core.contracts import last_contract, organization_by_code, valid_contract
from core.dialog import collect
from core.messages import AGENT_DESK, CLIENT_ADDRESS, GENERAL, OutboundMessage
from core.models import Contact, Dialog, Identity, Organization
from core.outbox import enqueue
from core.route import ACCESS_STEP
from core.service_texts import service_texts
from core.turn import Turn

STEP = ACCESS_STEP


def ask_code(turn: Turn, dialog: Dialog | None) -> None:
    if dialog is None:
        assert turn.identity.id is not None
        dialog = Dialog(identity_id=turn.identity.id, step=STEP)
        turn.session.add(dialog)
    # What they wrote before the code is kept for the request they are about to open.
    dialog.step, dialog.data = STEP, collect(turn, dialog.data if dialog.step == STEP else {})
    turn.reply(service_texts("access.ask", turn.language))


def locked_text(turn: Turn, until: datetime) -> str:
    minutes = max(1, math.ceil((until - turn.now).total_seconds() / 60))
    return service_texts("access.locked", turn.language, minutes=minutes)


def tell_agents(turn: Turn, locked: list[access_limits.Key]) -> None:
    """Repeated wrong codes, shown in the agents' General topic: someone may be guessing."""
    identity: Identity = turn.identity
    for key in locked:
        enqueue(
            turn.session,
            OutboundMessage(
                channel=AGENT_DESK,
                address=GENERAL,
                kind="access_locked",
                meta={
                    "channel": identity.channel,
                    "who": identity.display_name or identity.address,
                    "key": key.name.partition(":")[0],
                    "client_address": turn.inbound.meta.get(CLIENT_ADDRESS, ""),
                    "failures": key.limit,
                    "minutes": int(access_limits.WINDOW.total_seconds() // 60),
                },
            ),
        )


async def check_code(turn: Turn, dialog: Dialog, contact: Contact) -> None:
    assert contact.id is not None
    keys = access_limits.keys_for(contact.id, turn.inbound.meta.get(CLIENT_ADDRESS))
    until = await access_limits.locked_until(turn.session, keys, turn.now)
    if until is not None:
        # Not even compared: a right guess while locked must not be confirmed.
        turn.reply(locked_text(turn, until))
        return
    organization = await organization_by_code(turn.session, turn.text)
    if organization is None or organization.id is None:
        locked = await access_limits.fail(turn.session, keys, turn.now)
        tell_agents(turn, locked)
        until = await access_limits.locked_until(turn.session, keys, turn.now) if locked else None
        turn.reply(locked_text(turn, until) if until else service_texts("access.wrong", turn.language))
        return
    await access_limits.forget(turn.session, keys)
    contact.organization_id = organization.id
    contract = await valid_contract(turn.session, organization.id)
    if contract is None:
        await turn.session.delete(dialog)
        await refuse(turn, turn.session, organization.id)
        return
    level = contract.level
    turn.reply(service_texts("access.welcome", turn.language, organization=organization.name, level=level))
    await intake.start(turn, dialog, carry=dialog.data)


async def refuse(turn: Turn, session: AsyncSession, organization_id: int) -> None:
    organization = await session.get(Organization, organization_id)
    assert organization is not None
    last = await last_contract(session, organization_id)
    if last is not None and last.ends_on is not None:
        text = service_texts(
            "access.expired", turn.language, organization=organization.name, ended=last.ends_on.isoformat()
        )
    else:
        text = service_texts("access.none", turn.language, organization=organization.name)
    turn.reply(text)
