"""Switchboard's platform-independent core: tickets, the intake dialog, statuses and delivery."""
