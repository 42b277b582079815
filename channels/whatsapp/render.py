"""Core outbound messages rendered as Graph API message objects (without `to`)."""

from __future__ import annotations

from typing import Any

from channels.whatsapp.texts import texts
from core.messages import AttachmentRef, Choice, OutboundMessage

TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
BUTTONS_MAX, BUTTON_TITLE_MAX = 3, 20
ROWS_MAX, ROW_TITLE_MAX, ROW_DESCRIPTION_MAX = 10, 24, 72
SENDABLE_IMAGES = {"image/jpeg", "image/png"}

Part = dict[str, Any] | AttachmentRef
"""A ready message object, or a file that must be uploaded first."""


def split_text(text: str, limit: int = TEXT_MAX) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word break when there is one."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def text_part(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _shorten(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def buttons(body: str, choices: list[Choice]) -> dict[str, Any]:
    replies = [{"type": "reply", "reply": {"id": c.id, "title": c.label}} for c in choices]
    return {
        "type": "interactive",
        "interactive": {"type": "button", "body": {"text": body}, "action": {"buttons": replies}},
    }


def rows_list(body: str, choices: list[Choice], language: str) -> dict[str, Any]:
    rows = []
    for choice in choices:
        row = {"id": choice.id, "title": _shorten(choice.label, ROW_TITLE_MAX)}
        if len(choice.label) > ROW_TITLE_MAX:
            row["description"] = _shorten(choice.label, ROW_DESCRIPTION_MAX)
        rows.append(row)
    action = {"button": texts("list_button", language), "sections": [{"rows": rows}]}
    return {"type": "interactive", "interactive": {"type": "list", "body": {"text": body}, "action": action}}


def numbered(text: str, choices: list[Choice], language: str) -> str:
    lines = [f"{number}. {choice.label}" for number, choice in enumerate(choices, 1)]
    return "\n".join([text, "", texts("numbered_hint", language), *lines]).strip()


def with_choices(text: str, choices: list[Choice], language: str) -> list[dict[str, Any]]:
    """Reply buttons when they fit, else a list, else numbered text the core understands typed back."""
    if not text.strip() or len(text) > INTERACTIVE_BODY_MAX or len({c.id for c in choices}) != len(choices):
        return [text_part(piece) for piece in split_text(numbered(text, choices, language))]
    if len(choices) <= BUTTONS_MAX and all(len(c.label) <= BUTTON_TITLE_MAX for c in choices):
        return [buttons(text, choices)]
    if len(choices) <= ROWS_MAX:
        return [rows_list(text, choices, language)]
    return [text_part(piece) for piece in split_text(numbered(text, choices, language))]


def render(message: OutboundMessage) -> list[Part]:
    """Everything one outbound message becomes on WhatsApp, in sending order."""
    parts: list[Part] = []
    if message.choices:
        parts.extend(with_choices(message.text, message.choices, message.language))
    elif message.text:
        parts.extend(text_part(piece) for piece in split_text(message.text))
    parts.extend(message.attachments)
    return parts


def media_part(attachment: AttachmentRef, media_id: str) -> dict[str, Any]:
    if attachment.kind == "image" and attachment.mime_type in SENDABLE_IMAGES:
        return {"type": "image", "image": {"id": media_id}}
    document: dict[str, Any] = {"id": media_id}
    if attachment.filename:
        document["filename"] = attachment.filename
    return {"type": "document", "document": document}


def template(name: str, language: str, parameters: list[str]) -> dict[str, Any]:
    body = {"type": "body", "parameters": [{"type": "text", "text": value} for value in parameters]}
    return {"type": "template", "template": {"name": name, "language": {"code": language}, "components": [body]}}
