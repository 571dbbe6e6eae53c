"""What the TUI remembers between runs: the theme, the strategy, the target (chain or model),
the prompts for recall (Up) and the unsent draft, in a JSON file beside the config.

Pure Python (no textual), so it is tested on its own. Reading never fails: a missing,
unreadable or invalid file, or a field of the wrong type, gives the defaults. Writing is
atomic (a 0600 file beside it, then `os.replace`) and only ever replaces a file orch wrote,
one that is a JSON object holding the `MARKER` key: any other file is left as it is.
Names read back (strategy, chain, model) may no longer exist: the app checks them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..locations import config_dir

STATE_NAME = "tui-state.json"
MARKER = "orch_tui_state"  # its value is the format's version
VERSION = 1
RECALL_LIMIT = 200  # prompts kept for recall, the newest


@dataclass
class TuiState:
    theme: str | None = None
    strategy: str | None = None
    target: str | None = None  # "chain:NAME" or "model:NAME", as the app keeps it
    prompts: list[str] = field(default_factory=list)  # oldest first
    draft: str = ""


def state_path(config_path: Path | None = None) -> Path:
    """Beside the config file the app was started with, else in the config directory."""
    folder = config_path.parent if config_path is not None else config_dir()
    return folder / STATE_NAME


def load_state(path: Path) -> TuiState:
    """The state saved at `path`; the defaults for whatever cannot be read from it."""
    data = read_ours(path)
    if data is None:
        return TuiState()
    prompts = data.get("prompts")
    if not isinstance(prompts, list):
        prompts = []
    return TuiState(
        theme=text_or_none(data.get("theme")),
        strategy=text_or_none(data.get("strategy")),
        target=text_or_none(data.get("target")),
        prompts=recall([p for p in prompts if isinstance(p, str)]),
        draft=data["draft"] if isinstance(data.get("draft"), str) else "",
    )


def save_state(path: Path, state: TuiState) -> str | None:
    """Write `state` to `path`, the recall list cut to its newest `RECALL_LIMIT` prompts.
    None when saved; otherwise why not, in one line (never raises): a file at `path` that
    orch did not write, or one that cannot be written."""
    if path.exists() and read_ours(path) is None:
        return f"{path}: not an orch state file; left as it is"
    data = {MARKER: VERSION, **asdict(state), "prompts": recall(state.prompts)}
    try:
        write_atomically(path, json.dumps(data, indent=1) + "\n")
    except OSError as exc:
        return f"{path}: cannot be written ({exc.strerror or exc})"
    return None


def recall(prompts: list[str]) -> list[str]:
    return prompts[-RECALL_LIMIT:]


def text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def read_ours(path: Path) -> dict[str, Any] | None:
    """The file's JSON object when it holds our marker; None for anything else."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) and MARKER in data else None


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
