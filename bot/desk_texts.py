"""Texts of the desk tools in the agents' group: look-alike reports, search, queues, canned replies, phone requests."""

from __future__ import annotations

from core.i18n import Catalog

EN = {
    "lookalike.suggestion": "🔁 {count} reports in {minutes} min look alike: {numbers}\nIs this one outage?",
    "lookalike.button": "Make #{number} the mass incident and link the others",
    "lookalike.accepted": "✅ {agent} made #{number} the mass incident; linked: {linked}.",
}

RU = {
    "lookalike.suggestion": "🔁 {count} обращений за {minutes} мин похожи: {numbers}\nЭто одна авария?",
    "lookalike.button": "Сделать №{number} массовым и привязать остальные",
    "lookalike.accepted": "✅ {agent} сделал(а) №{number} массовым инцидентом; привязаны: {linked}.",
}

desk_texts = Catalog({"en": EN, "ru": RU})
