from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from babel import Locale

SUPPORTED_LANGUAGES = ("ru", "en")

Entry = str | Mapping[str, str]
"""A text, or its plural forms by CLDR category ("one", "few", "many", "other"), chosen by `count`."""


def pick_language(client_language: str | None, default: str) -> str:
    """The supported language closest to what the user's client reports ("ru-RU" -> "ru")."""
    if client_language:
        base = client_language.strip().lower().replace("_", "-").split("-")[0]
        if base in SUPPORTED_LANGUAGES:
            return base
    return default if default in SUPPORTED_LANGUAGES else SUPPORTED_LANGUAGES[0]


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def plural_categories(language: str) -> frozenset[str]:
    """The CLDR plural categories a language distinguishes ("other" is always one of them)."""
    return frozenset(_locale(language).plural_form.tags | {"other"})


def plural_category(language: str, count: float) -> str:
    """The CLDR category of `count` in `language`: ru 1 -> one, 3 -> few, 5 -> many; en 1 -> one, 2 -> other."""
    return str(_locale(language).plural_form(abs(count)))


class Catalog:
    """Texts in every supported language; a missing key is a bug, so lookups never fall back silently.

    A text with plural forms is a mapping of CLDR categories (Babel's plural rules) and is looked
    up with a `count` value: `texts("sent", "ru", count=3)` takes the "few" form.
    """

    def __init__(self, texts: Mapping[str, Mapping[str, Entry]]) -> None:
        missing = {lang: set(texts["en"]) ^ set(texts[lang]) for lang in SUPPORTED_LANGUAGES}
        if any(missing.values()):
            raise ValueError(f"catalog keys differ between languages: {missing}")
        for lang in SUPPORTED_LANGUAGES:
            for key, entry in texts[lang].items():
                if not isinstance(entry, str) and set(entry) != plural_categories(lang):
                    raise ValueError(
                        f"{key!r} in {lang!r} needs the plural forms {sorted(plural_categories(lang))}, "
                        f"has {sorted(entry)}"
                    )
        self._texts = texts

    def __call__(self, key: str, language: str, /, **values: object) -> str:
        table = self._texts[language if language in self._texts else "en"]
        entry = table[key]
        if not isinstance(entry, str):
            count = values.get("count")
            if not isinstance(count, int | float):
                raise TypeError(f"{key!r} has plural forms: give it a number as `count`")
            entry = entry[plural_category(language if language in self._texts else "en", count)]
        return entry.format(**values) if values else entry

    def keys(self) -> set[str]:
        return set(self._texts["en"])

    def all_values(self, key: str) -> set[str]:
        found: set[str] = set()
        for lang in SUPPORTED_LANGUAGES:
            entry = self._texts[lang][key]
            found |= {entry} if isinstance(entry, str) else set(entry.values())
        return found
