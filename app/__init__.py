"""Wiring: settings, request context, the Starlette app and the `cip-graph` command line."""
