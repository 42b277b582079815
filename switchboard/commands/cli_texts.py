"""What the command line prints about counted things, in the configured language with real plural forms."""

from __future__ import annotations

from core.i18n import Catalog, Entry

EN: dict[str, Entry] = {
    "loaded": "loaded {file}: {counts}",
    "count.calendars": {"one": "{count} calendar", "other": "{count} calendars"},
    "count.levels": {"one": "{count} level", "other": "{count} levels"},
    "count.organizations": {"one": "{count} organization", "other": "{count} organizations"},
    "count.contracts": {"one": "{count} contract", "other": "{count} contracts"},
}

RU: dict[str, Entry] = {
    "loaded": "загружено из {file}: {counts}",
    "count.calendars": {
        "one": "{count} календарь",
        "few": "{count} календаря",
        "many": "{count} календарей",
        "other": "{count} календаря",
    },
    "count.levels": {
        "one": "{count} уровень",
        "few": "{count} уровня",
        "many": "{count} уровней",
        "other": "{count} уровня",
    },
    "count.organizations": {
        "one": "{count} организация",
        "few": "{count} организации",
        "many": "{count} организаций",
        "other": "{count} организации",
    },
    "count.contracts": {
        "one": "{count} договор",
        "few": "{count} договора",
        "many": "{count} договоров",
        "other": "{count} договора",
    },
}

cli_texts = Catalog({"en": EN, "ru": RU})


def counted(section: str, count: int, language: str) -> str:
    """ "1 calendar", "2 calendars"; "1 календарь", "5 календарей"."""
    return cli_texts(f"count.{section}", language, count=count)
