"""Telegram customers' private chats with the bot."""
