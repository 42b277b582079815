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


PLURAL = Catalog(
    {
        "en": {"sent": {"one": "Sent to {count} customer", "other": "Sent to {count} customers"}},
        "ru": {
            "sent": {
                "one": "Отправлено {count} клиенту",
                "few": "Отправлено {count} клиентам",
                "many": "Отправлено {count} клиентам",
                "other": "Отправлено {count} клиента",
            }
        },
    }
)


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 1, "Sent to 1 customer"),
        ("en", 0, "Sent to 0 customers"),
        ("en", 21, "Sent to 21 customers"),
        ("ru", 1, "Отправлено 1 клиенту"),
        ("ru", 21, "Отправлено 21 клиенту"),
        ("ru", 3, "Отправлено 3 клиентам"),
        ("ru", 11, "Отправлено 11 клиентам"),
        ("ru", 1.5, "Отправлено 1.5 клиента"),
    ],
)
def test_plural_forms_follow_cldr_rules(language: str, count: float, expected: str) -> None:
    assert PLURAL("sent", language, count=count) == expected


def test_catalog_refuses_plural_forms_a_language_lacks() -> None:
    with pytest.raises(ValueError, match="plural forms"):
        Catalog({"en": {"n": {"one": "{count} a", "other": "{count} b"}}, "ru": {"n": {"one": "a", "other": "b"}}})
    with pytest.raises(TypeError, match="count"):
        PLURAL("sent", "en")
