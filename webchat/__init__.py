"""The embeddable web-chat widget and its server endpoints."""
