"""Options that apply to every command, and what is built from them: settings, the
database and the engine."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

    from ..config import Settings


@dataclass
class CliState:
    config_path: Path | None = None
    verbose: bool = False
    _settings: Settings | None = None
    _db: sqlite3.Connection | None = None

    def settings(self):
        if self._settings is None:
            from ..frontend import load_settings

            self._settings = load_settings(self.config_path)[0]
        return self._settings

    def db(self, write: bool = False):
        """The history database; `write`: this command records, so a read-only database
        stops it here, with one line, before it does anything."""
        from ..store.db import open_db, require_writable

        if self._db is None:
            self._db = open_db()
        if write:
            require_writable(self._db)
        return self._db

    def engine(
        self, demo: bool | None = None, record: bool = True, use_cache: bool = True, **options
    ):
        """An engine that records to the history and enforces the persistent budgets.
        `options`: more Engine arguments (a registry already built, …)."""
        from ..frontend import build_engine

        db = self.db(write=True) if record else None
        return build_engine(
            self.settings(), db=db, record=record, use_cache=use_cache, demo=demo, **options
        )

    def close(self) -> None:
        """Close the databases this command opened: its own connection and, after the
        writes already queued, the store's writer thread."""
        if "orchestrator_tui.store.worker" in sys.modules:
            from ..store.worker import close_all

            close_all()
        if self._db is not None:
            self._db.close()
            self._db = None


STATE = CliState()
