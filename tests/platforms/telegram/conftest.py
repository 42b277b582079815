"""The real app with the Telegram plugin on, talking to the fake Bot API (fixtures in tests/support/telegram.py)."""

from tests.support.telegram import fake, mode, telegram, telegram_overrides

__all__ = ["fake", "mode", "telegram", "telegram_overrides"]
