"""Options that apply to every command, and the engine built from them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliState:
    config_path: Path | None = None
    verbose: bool = False

    def settings(self):
        from ..config import load_settings

        return load_settings(self.config_path)[0]

    def engine(self, demo: bool | None = None, **options):
        from ..engine import Engine

        return Engine(self.settings(), demo=demo, **options)


STATE = CliState()
