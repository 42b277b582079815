"""How core choices become WhatsApp interactive messages, within Meta's limits."""

from __future__ import annotations

from channels.whatsapp.render import render, split_text, with_choices
from core.messages import Choice, OutboundMessage
from tests.fakes.whatsapp import invalid_message


def choices(*labels: str) -> list[Choice]:
    return [Choice(id=f"c:{n}", label=label) for n, label in enumerate(labels)]


def valid(part: dict) -> bool:  # type: ignore[type-arg]
    return invalid_message({"messaging_product": "whatsapp", "to": "1", **part}) is None


def test_up_to_three_short_choices_are_reply_buttons() -> None:
    [part] = with_choices("Pick one", choices("Back", "Cancel", "Skip"), "en")
    assert part["interactive"]["type"] == "button" and valid(part)
    assert [b["reply"]["id"] for b in part["interactive"]["action"]["buttons"]] == ["c:0", "c:1", "c:2"]


def test_long_labels_or_more_choices_become_a_list_with_the_full_label_kept() -> None:
    label = "Mass incident: many users are affected"
    [part] = with_choices("What kind?", choices("Incident", label, "Cancel", "Other", "More"), "ru")
    rows = part["interactive"]["action"]["sections"][0]["rows"]
    assert part["interactive"]["type"] == "list" and valid(part) and len(rows) == 5
    assert part["interactive"]["action"]["button"] == "Выбрать"
    assert len(rows[1]["title"]) <= 24 and rows[1]["description"] == label


def test_more_than_ten_choices_fall_back_to_numbered_text() -> None:
    parts = with_choices("Which ticket?", choices(*(f"#{n}" for n in range(12))), "en")
    assert [p["type"] for p in parts] == ["text"]
    body = parts[0]["text"]["body"]
    assert "1. #0" in body and "12. #11" in body and "Reply with the number" in body


def test_a_body_too_long_for_an_interactive_message_falls_back_to_text() -> None:
    parts = with_choices("x" * 2000, choices("Back"), "en")
    assert [p["type"] for p in parts] == ["text"] and valid(parts[0])


def test_text_is_split_at_word_boundaries_within_4096() -> None:
    text = ("word " * 2000).strip()
    pieces = split_text(text)
    assert all(len(p) <= 4096 for p in pieces) and " ".join(pieces) == text
    assert split_text("a" * 5000) == ["a" * 4096, "a" * 904]
    assert split_text("short") == ["short"]


def test_user_text_goes_out_verbatim_without_link_previews() -> None:
    [part] = render(OutboundMessage(channel="whatsapp", address="1", text="<b>*bold*</b>"))
    assert part == {"type": "text", "text": {"body": "<b>*bold*</b>", "preview_url": False}}
