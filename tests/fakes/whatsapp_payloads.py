"""Webhook notifications in the shapes of Meta's documented examples (Cloud API, field "messages")."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1)


def wamid() -> str:
    return f"wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQz{next(_ids):012d}"


def notification(
    phone_number_id: str,
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """One notification with one entry and one change, as Meta sends the common case."""
    return {"object": "whatsapp_business_account", "entry": [entry(phone_number_id, messages, statuses, contacts)]}


def entry(
    phone_number_id: str,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id} for wa_id, name in contacts]
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}


def message(
    sender: str, kind: str, content: dict[str, Any], *, message_id: str | None = None, context: str | None = None
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "from": sender,
        "id": message_id or wamid(),
        "timestamp": str(int(time.time())),
        "type": kind,
        kind: content,
    }
    if context:
        raw["context"] = {"from": "15550783881", "id": context}
    return raw


def status_update(
    message_id: str, state: str, recipient: str, *, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": message_id,
        "status": state,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if state != "failed":
        raw["conversation"] = {"id": "b1a2c3d4e5f6", "origin": {"type": "service"}}
        raw["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "service"}
    if errors:
        raw["errors"] = errors
    return raw


def undeliverable(
    code: int = 131026, details: str = "Message failed to send because the user is not on WhatsApp"
) -> list[dict[str, Any]]:
    return [
        {
            "code": code,
            "title": "Message undeliverable",
            "message": "Message undeliverable",
            "error_data": {"details": details},
        }
    ]
