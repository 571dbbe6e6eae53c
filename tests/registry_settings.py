"""The tests' model registry (tests/registry.toml) as Settings.

Built without pydantic (the file is trusted, like the packaged registry), so that a child
process can use it and stay light: test_architecture counts the modules its engine imports.
A child script puts CHILD_PATH on sys.path and imports `tests.registry_settings`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from orchestrator_tui.config import Settings
from orchestrator_tui.registry import packaged_entry

TEST_REGISTRY = Path(__file__).with_name("registry.toml")
CHILD_PATH = str(Path(__file__).parent.parent)


def registry_data() -> dict:
    return tomllib.loads(TEST_REGISTRY.read_text(encoding="utf-8"))


def base_settings(**changes) -> Settings:
    """Settings(**changes) on the tests' registry: its models and chains, and none of the
    packaged registry's."""
    raw = registry_data()
    models = {name: packaged_entry(entry) for name, entry in raw.pop("models").items()}
    return Settings(**{**raw, "models": models, **changes})


CHILD_IMPORT = (f"import sys; sys.path.insert(0, {CHILD_PATH!r}); "
                "from tests.registry_settings import base_settings\n")
"""The first line of a child process's script that builds its own engine."""
