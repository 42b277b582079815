"""The Telegram bot: customers' private chats and the agents' forum group."""
