"""Write a chain into the user's config.toml, keeping the file's comments and layout."""

from __future__ import annotations

from pathlib import Path

import tomlkit


def save_chain(path: Path, name: str, models: list[str], threshold: float) -> None:
    document = (
        tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    )
    chains = document.setdefault("chains", tomlkit.table())
    chains[name] = models
    thresholds = document.setdefault("chain_thresholds", tomlkit.table())
    thresholds[name] = threshold
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
