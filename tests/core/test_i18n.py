from __future__ import annotations

import pytest

from core.i18n import Catalog, pick_language
from core.texts import texts


@pytest.mark.parametrize(
    ("client", "default", "expected"),
    [("ru-RU", "en", "ru"), ("en_US", "ru", "en"), ("de", "ru", "ru"), (None, "en", "en"), ("", "ru", "ru")],
)
def test_language_comes_from_the_client_with_a_fallback(client: str | None, default: str, expected: str) -> None:
    assert pick_language(client, default) == expected


def test_catalog_refuses_a_language_with_missing_keys() -> None:
    with pytest.raises(ValueError, match="differ"):
        Catalog({"en": {"a": "A", "b": "B"}, "ru": {"a": "А"}})


def test_every_core_text_is_translated() -> None:
    for key in texts.keys():  # noqa: SIM118 - a Catalog is not iterable
        english, russian = texts("" + key, "en"), texts(key, "ru")
        assert english and russian
        assert english != russian or key.startswith("agent_reply"), key
