"""Resuming a batch: which items OUT already answers, and which were answered for a request
that has changed since.

An item is done when the last record of its id in OUT succeeded. Each record carries
`request_hash`, a SHA-256 of everything that changes the answer (prompt, system, strategy,
model, chain, models, ensemble and consensus sizes, cost weight, threshold, max tokens,
temperature; not the category, tags, budget or cache). A done item whose hash differs is
"changed": refused unless told to rerun or skip it. A record written before orch recorded
hashes has none and counts as unchanged; it also predates typed ids (it holds `"5000"` for
the id `5000`), so it stands for the number too unless the input also has the string id.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from .inputs import BatchItem, id_key
from .outputs import OutLine, last_records

HASHED_FIELDS = (
    "prompt",
    "system",
    "strategy",
    "model",
    "chain",
    "models",
    "ensemble_size",
    "consensus_size",
    "cost_weight",
    "threshold",
    "max_tokens",
    "temperature",
)
ON_CHANGED = ("refuse", "rerun", "skip")


def request_hash(request) -> str:
    asked = {name: getattr(request, name) for name in HASHED_FIELDS}
    asked["history"] = [[message.role, message.content] for message in request.history]
    text = json.dumps(asked, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Plan:
    todo: list[BatchItem]
    already_done: int = 0
    changed: list[BatchItem] = field(default_factory=list)


def plan_batch(
    items: list[BatchItem], lines: list[OutLine], hash_of, output: Path, on_changed: str = "refuse"
) -> Plan:
    """What to ask: items with no successful last record, and the changed ones if told to."""
    records, keys = last_records(lines), {item.key for item in items}
    asked, changed = set(), []
    for item in items:
        record = previous_record(item, records, keys)
        if record is None or not record["success"]:
            asked.add(item.key)
        elif record.get("request_hash") not in (None, hash_of(item)):
            changed.append(item)
    if changed and on_changed == "refuse":
        raise UsageError(changed_message(changed, output))
    if on_changed == "rerun":
        asked |= {item.key for item in changed}
    todo = [item for item in items if item.key in asked]
    return Plan(todo, len(items) - len(todo), changed)


def previous_record(item: BatchItem, records: dict[str, dict], keys: set[str]) -> dict | None:
    record = records.get(item.key)
    if record is None and not isinstance(item.id, str):
        legacy_key = id_key(str(item.id))
        legacy = records.get(legacy_key)
        if legacy is not None and "request_hash" not in legacy and legacy_key not in keys:
            return legacy
    return record


def changed_message(changed: list[BatchItem], output: Path) -> str:
    shown = ", ".join(item.key for item in changed[:3]) + (", …" if len(changed) > 3 else "")
    return (
        f"{len(changed)} id(s) answered in {output} were asked differently this time "
        f"(prompt, system, model or options changed: {shown}); pass --rerun-changed to "
        "ask them again or --skip-changed to keep the old answers"
    )
