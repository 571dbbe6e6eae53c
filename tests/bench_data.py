"""Small recorded benchmarks written by the tests themselves (never ../shared)."""

from __future__ import annotations

import json
import random

TOPICS = {  # topic: (words, which models answer it correctly)
    "greeting": ("hello thanks weather friend morning nice day", {"small", "medium", "large"}),
    "code": ("python function list sort loop variable return", {"medium", "large"}),
    "proof": ("prove theorem lemma integral convergence bound induction", {"large"}),
}
COSTS = {"small": 0.001, "medium": 0.004, "large": 0.02}
WRONG = {"small": "B", "medium": "C", "large": "D"}  # wrong answers never agree


def structured_rows(n: int = 90, seed: int = 1, models: dict[str, str] | None = None) -> list[dict]:
    """Prompts whose topic decides which models are right; `models` renames small/medium/large."""
    names = models or {m: m for m in COSTS}
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        topic = list(TOPICS)[i % len(TOPICS)]
        words, right = TOPICS[topic]
        prompt = " ".join(rng.sample(words.split(), 4)) + f" question {i}?"
        responses = {
            names[m]: {
                "text": "A" if m in right else WRONG[m],
                "score": 1.0 if m in right else 0.0,
                "cost": COSTS[m] * rng.uniform(0.8, 1.2),
            }
            for m in COSTS
        }
        rows.append({"id": f"{topic}.{i}", "task": topic, "prompt": prompt, "responses": responses})
    return rows


def noise_rows(n: int = 160, seed: int = 2) -> list[dict]:
    """Two equally priced models right at random, prompts of random words: nothing to learn,
    so only a router that saw the rows it is scored on can beat chance."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        prompt = " ".join(f"w{rng.randrange(300)}" for _ in range(8)) + f" {i}"
        responses = {
            m: {"text": m, "score": float(rng.random() < 0.5), "cost": 0.01} for m in ("a", "b")
        }
        rows.append({"id": str(i), "task": "noise", "prompt": prompt, "responses": responses})
    return rows


def write_jsonl(path, rows: list[dict]):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
