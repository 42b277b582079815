"""Webhook payloads: the `entry[].changes[].value` envelope unpacked into messages and statuses."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class PayloadError(ValueError):
    """The body is JSON but not a WhatsApp webhook notification."""


@dataclass(frozen=True)
class WaMessage:
    wamid: str
    sender: str
    type: str
    raw: dict[str, Any]
    phone_number_id: str | None = None
    name: str | None = None
    sent_at: datetime | None = None

    @property
    def content(self) -> dict[str, Any]:
        """The type-specific part: `raw["text"]`, `raw["image"]`..."""
        value = self.raw.get(self.type)
        return value if isinstance(value, dict) else {}

    @property
    def reply_to(self) -> str | None:
        context = self.raw.get("context")
        return str(context["id"]) if isinstance(context, dict) and context.get("id") else None


@dataclass(frozen=True)
class WaStatus:
    wamid: str
    status: str
    recipient: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    at: datetime | None = None

    def error_text(self) -> str:
        parts = []
        for error in self.errors:
            details = (error.get("error_data") or {}).get("details") or error.get("message") or error.get("title")
            parts.append(f"WhatsApp error {error.get('code', '?')}: {details or 'no details'}")
        return "; ".join(parts) or "WhatsApp reported the message as failed"


@dataclass
class Batch:
    messages: list[WaMessage] = field(default_factory=list)
    statuses: list[WaStatus] = field(default_factory=list)


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _objects(value: Any, where: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PayloadError(f"{where} must be a list of objects")
    return value


def _values(data: Any) -> Iterator[dict[str, Any]]:
    """The `value` of each conversation change of one webhook call, in Meta's order."""
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise PayloadError('expected {"object": "whatsapp_business_account", "entry": [...]}')
    for entry in _objects(data.get("entry"), "entry"):
        for change in _objects(entry.get("changes"), "entry[].changes"):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue  # account and template updates are not conversations
            yield value


def _parts(value: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """A change's contacts, messages and statuses, each checked: a call the door accepts parses."""
    contacts = _objects(value.get("contacts"), "contacts")
    messages = _objects(value.get("messages"), "messages")
    if not all(raw.get("id") and raw.get("from") and raw.get("type") for raw in messages):
        raise PayloadError("every message needs id, from and type")
    statuses = _objects(value.get("statuses"), "statuses")
    if not all(raw.get("id") and raw.get("status") for raw in statuses):
        raise PayloadError("every status needs id and status")
    for raw in statuses:
        _objects(raw.get("errors"), "statuses[].errors")
    return contacts, messages, statuses


def parse_batch(data: Any) -> Batch:
    """Every message and status of one webhook call, in the order Meta listed them."""
    batch = Batch()
    for value in _values(data):
        _parse_value(value, batch)
    return batch


def batch_key(data: Any) -> tuple[str, str]:
    """(external id, conversation) of one webhook call, from the same checked walk as parse_batch but
    without building its messages (the door's share of the work: the worker parses the call later).

    Meta's retry of a call is the same payload, and a call's order matters per customer (the sender,
    or the recipient its receipts are about). Its messages' and statuses' ids name it (a tenth of
    the cost of canonical JSON, which only a call with neither, such as an account update, needs)."""
    ids: list[str] = []
    senders: list[str] = []
    for value in _values(data):
        _, messages, statuses = _parts(value)
        for raw in messages:
            ids.append(f"m:{raw['id']}")
            senders.append(str(raw["from"]))
        for raw in statuses:
            at = _timestamp(raw.get("timestamp"))
            ids.append(f"s:{raw['id']}:{raw['status']}:{at.timestamp() if at else ''}")
            senders.append(str(raw.get("recipient_id", "")))
    named = "|".join(ids) if ids else json.dumps(data, sort_keys=True)
    return hashlib.sha256(named.encode()).hexdigest(), senders[0] if senders else ""


def _parse_value(value: dict[str, Any], batch: Batch) -> None:
    metadata = value.get("metadata") if isinstance(value.get("metadata"), dict) else {}
    phone_number_id = str(metadata["phone_number_id"]) if metadata.get("phone_number_id") else None
    contacts, messages, statuses = _parts(value)
    names = {str(contact.get("wa_id")): (contact.get("profile") or {}).get("name") for contact in contacts}
    for raw in messages:
        sender = str(raw["from"])
        batch.messages.append(
            WaMessage(
                wamid=str(raw["id"]),
                sender=sender,
                type=str(raw["type"]),
                raw=raw,
                phone_number_id=phone_number_id,
                name=names.get(sender),
                sent_at=_timestamp(raw.get("timestamp")),
            )
        )
    for raw in statuses:
        batch.statuses.append(
            WaStatus(
                wamid=str(raw["id"]),
                status=str(raw["status"]),
                recipient=str(raw.get("recipient_id", "")),
                errors=raw.get("errors") or [],
                at=_timestamp(raw.get("timestamp")),
            )
        )
