"""Clients of a platform's API shared by a channel and the agents' desk."""
