"""Texts of the desk tools in the agents' group: look-alike reports, search, queues, canned replies, phone requests."""

from __future__ import annotations

from core.i18n import Catalog

EN = {
    "lookalike.suggestion": "🔁 {count} reports in {minutes} min look alike: {numbers}\nIs this one outage?",
    "lookalike.button": "Make #{number} the mass incident and link the others",
    "lookalike.accepted": "✅ {agent} made #{number} the mass incident; linked: {linked}.",
    "usage.find": "Write what to look for: /find 1042, /find camera archive, /find Irina or /find +7999…",
    "find.none": "Nothing found for “{query}”.",
    "find.title": "Found for “{query}”:",
}

RU = {
    "lookalike.suggestion": "🔁 {count} обращений за {minutes} мин похожи: {numbers}\nЭто одна авария?",
    "lookalike.button": "Сделать №{number} массовым и привязать остальные",
    "lookalike.accepted": "✅ {agent} сделал(а) №{number} массовым инцидентом; привязаны: {linked}.",
    "usage.find": "Напишите, что искать: /find 1042, /find архив камеры, /find Ирина или /find +7999…",
    "find.none": "По запросу «{query}» ничего не найдено.",
    "find.title": "Найдено по запросу «{query}»:",
}

desk_texts = Catalog({"en": EN, "ru": RU})
