"""The Textual TUI: live side-by-side panes, a cost dashboard, a chain editor and history.

It consumes the engine's events like the CLI does; no widget calls a provider.
"""
