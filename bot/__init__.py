"""The agents' desk: the Telegram forum group where agents see tickets and answer them."""
