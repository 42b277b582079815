"""Subcommands of `switchboard`: each module has `register(subparsers)` setting `handler`."""
