"""The web-chat widget's static files (script, styles, demo page), served by channels.webchat.http."""
