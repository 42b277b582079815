"""One module per platform: platform payloads in, core messages out, and back."""
