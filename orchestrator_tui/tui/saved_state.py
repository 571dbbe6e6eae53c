"""PLACEHOLDER until the convcli branch lands."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TuiState:
    theme: str | None = None
    strategy: str | None = None
    target: str | None = None
    prompts: list[str] = field(default_factory=list)
    draft: str = ""


def state_path() -> Path:
    from ..locations import config_dir

    return config_dir() / "tui-state.json"


def load_state(path: Path) -> TuiState:
    return TuiState()


def save_state(path: Path, state: TuiState) -> None:
    pass
