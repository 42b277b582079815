"""`switchboard orgs ...`: organizations, their access codes and their people."""

from __future__ import annotations

import argparse

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import contracts
from core.contacts import find_identity
from core.contracts import ContractError
from core.models import Contact, Organization
from core.settings import Settings
from switchboard.commands.contracts import report


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("orgs", help="organizations and their access codes")
    sub = parser.add_subparsers(dest="action", required=True)

    add = sub.add_parser("add", help="create an organization (prints its access code)")
    add.add_argument("name")
    add.add_argument("--code", help="the access code; a random one when omitted")
    add.set_defaults(handler=run_add)

    code = sub.add_parser("code", help="give an organization a new access code")
    code.add_argument("name")
    code.add_argument("--set", dest="code", help="this code instead of a random one")
    code.set_defaults(handler=run_code)

    member = sub.add_parser("member", help="put a customer (channel address) in an organization")
    member.add_argument("name")
    member.add_argument("channel", help="telegram, whatsapp, webchat...")
    member.add_argument("address", help="the chat id, phone number or visitor id")
    member.set_defaults(handler=run_member)

    sub.add_parser("list", help="show organizations and their current contract").set_defaults(handler=run_list)


async def organization_named(session: AsyncSession, name: str) -> Organization:
    found = (await session.execute(select(Organization).where(Organization.name == name))).scalar_one_or_none()
    if found is None:
        raise ContractError(f"no organization named {name!r}")
    return found


def run_add(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        saved = await contracts.save_organization(session, args.name, access_code=args.code)
        return [f"organization {saved.name}: access code {saved.access_code}"]

    return report(settings, work)


def run_code(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        organization = await organization_named(session, args.name)
        organization.access_code = args.code or contracts.new_access_code()
        return [f"organization {organization.name}: access code {organization.access_code}"]

    return report(settings, work)


def run_member(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        organization = await organization_named(session, args.name)
        identity = await find_identity(session, args.channel, args.address)
        if identity is None:
            raise ContractError(f"no customer {args.address} on {args.channel} has written yet")
        contact = await session.get(Contact, identity.contact_id)
        assert contact is not None
        contact.organization_id = organization.id
        return [f"{args.channel}:{args.address} is now in {organization.name}"]

    return report(settings, work)


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> list[str]:
        lines = []
        for organization in (await session.execute(select(Organization).order_by(Organization.name))).scalars():
            assert organization.id is not None
            contract = await contracts.valid_contract(session, organization.id)
            status = (
                f"{contract.level} until {contract.ends_on or 'open-ended'}" if contract else "no contract in force"
            )
            lines.append(f"{organization.name}: code {organization.access_code}; {status}")
        return lines or ["no organizations yet"]

    return report(settings, work)
