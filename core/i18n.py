from __future__ import annotations

from collections.abc import Mapping

SUPPORTED_LANGUAGES = ("ru", "en")


def pick_language(client_language: str | None, default: str) -> str:
    """The supported language closest to what the user's client reports ("ru-RU" -> "ru")."""
    if client_language:
        base = client_language.strip().lower().replace("_", "-").split("-")[0]
        if base in SUPPORTED_LANGUAGES:
            return base
    return default if default in SUPPORTED_LANGUAGES else SUPPORTED_LANGUAGES[0]


class Catalog:
    """Texts in every supported language; a missing key is a bug, so lookups never fall back silently."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        missing = {lang: set(texts["en"]) ^ set(texts[lang]) for lang in SUPPORTED_LANGUAGES}
        if any(missing.values()):
            raise ValueError(f"catalog keys differ between languages: {missing}")
        self._texts = texts

    def __call__(self, key: str, language: str, /, **values: object) -> str:
        table = self._texts[language if language in self._texts else "en"]
        return table[key].format(**values) if values else table[key]

    def keys(self) -> set[str]:
        return set(self._texts["en"])

    def all_values(self, key: str) -> set[str]:
        return {self._texts[lang][key] for lang in SUPPORTED_LANGUAGES}
