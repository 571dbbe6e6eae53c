"""Recorded benchmarks: one JSONL line per prompt with every model's answer, score and cost.

{"id": "…", "task": "…", "prompt": "…",
 "responses": {"<model>": {"text": "…", "score": 0.0–1.0, "cost": USD}, …}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import UsageError
from ..textfiles import decode_utf8, jsonl_lines


@dataclass(frozen=True)
class Recorded:
    text: str
    score: float
    cost: float


@dataclass(frozen=True)
class Item:
    id: str
    task: str
    prompt: str
    responses: dict[str, Recorded]


@dataclass
class Dataset:
    name: str
    items: list[Item]

    @cached_property
    def models(self) -> list[str]:
        """Every model answering every prompt, in the file's order (items never change)."""
        common = set(self.items[0].responses)
        for item in self.items[1:]:
            common &= set(item.responses)
        return [m for m in self.items[0].responses if m in common]

    def subset(self, indices: list[int]) -> Dataset:
        return Dataset(self.name, [self.items[i] for i in indices])


def load_dataset(path: Path) -> Dataset:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    items, seen = [], set()
    for number, line in jsonl_lines(decode_utf8(data, path.name)):
        item = parse_item(line, f"{path.name} line {number}")
        if item.prompt in seen:
            raise UsageError(
                f"{path.name} line {number}: the same prompt appears twice "
                f"(id {item.id}); replay needs each prompt once"
            )
        seen.add(item.prompt)
        items.append(item)
    if not items:
        raise UsageError(f"{path} holds no prompts")
    dataset = Dataset(path.name, items)
    if not dataset.models:
        raise UsageError(f"{path}: no model answered every prompt")
    return dataset


def parse_item(line: str, where: str) -> Item:
    try:
        raw = json.loads(line)
        responses = {
            model: Recorded(str(r.get("text", "")), float(r["score"]), float(r["cost"]))
            for model, r in raw["responses"].items()
        }
        item = Item(str(raw["id"]), str(raw.get("task", "")), str(raw["prompt"]), responses)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: not JSON ({exc.msg})") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(
            f"{where}: expected id, prompt and responses with score and cost "
            f"({type(exc).__name__}: {exc})"
        ) from None
    if not responses:
        raise UsageError(f"{where}: no responses")
    if any(not 0 <= r.score <= 1 or r.cost < 0 for r in responses.values()):
        raise UsageError(f"{where}: scores must be within 0–1 and costs not negative")
    return item
