"""Local SQLite storage: request history, persistent budgets and the response cache.

Nothing here is opened at import time; `open_store()` opens (and migrates) on first use.
"""
