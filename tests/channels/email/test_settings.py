from __future__ import annotations

import pytest

from channels.email.settings import EmailSettings


def test_off_until_both_servers_and_the_address_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not EmailSettings(_env_file=None).enabled
    monkeypatch.setenv("EMAIL_IMAP_HOST", "imap.example.com")
    monkeypatch.setenv("EMAIL_SMTP_HOST", "smtp.example.com")
    assert not EmailSettings(_env_file=None).enabled

    monkeypatch.setenv("EMAIL_ADDRESS", "support@example.com")
    monkeypatch.setenv("EMAIL_IMAP_SECURITY", "starttls")
    monkeypatch.setenv("EMAIL_IMAP_PASSWORD", "app-password")
    settings = EmailSettings(_env_file=None)

    assert settings.enabled
    assert (settings.imap_port, settings.imap_security, settings.smtp_port) == (993, "starttls", 465)
    assert "app-password" not in repr(settings)


def test_an_unknown_security_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_SMTP_SECURITY", "ssl")
    with pytest.raises(ValueError, match="smtp_security"):
        EmailSettings(_env_file=None)
