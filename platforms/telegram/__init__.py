"""The Bot API plumbing both Telegram sides share: one bot, its session, limits, updates and files."""
