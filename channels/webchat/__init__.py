"""The web-chat widget's server side: its socket, uploads, visitors and events."""
