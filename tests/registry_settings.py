"""The tests' model registry (tests/registry.toml): as Settings for an engine built in
process, and as a config file for an orch process.

base_settings() is built without pydantic (the file is trusted, like the packaged registry),
so that a child process can use it and stay light: test_architecture counts the modules its
engine imports. A child's script starts with CHILD_IMPORT. The benchmarks use this module
too (they run outside pytest, so not conftest.py)."""

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


def config_text(extra: str = "") -> str:
    """A config file: the tests' registry with `extra` (TOML) on top; its keys win."""
    import tomlkit

    merged = registry_data()
    merge(merged, tomllib.loads(extra))
    return tomlkit.dumps(merged)


def merge(into: dict, other: dict) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = value


def write_config(path: Path, extra: str = "") -> Path:
    """Write config_text(extra) to `path`: a .toml file, or a directory's config.toml."""
    path = path if path.suffix == ".toml" else path / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text(extra))
    return path


CHILD_IMPORT = (
    f"import sys; sys.path.insert(0, {CHILD_PATH!r}); "
    "from tests.registry_settings import base_settings\n"
)
"""The first line of a child process's script that builds its own engine."""
