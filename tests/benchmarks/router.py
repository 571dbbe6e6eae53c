"""Learned-router figures: training time, the saved file's size, loading it, and one
prediction, in plain Python as `orch ask -s learned` does.

Run: python tests/benchmarks/router.py [BENCHMARK.jsonl]
(default: the RouterBench sample in ../shared if present, else a synthetic set)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from orchestrator_tui.evaluation.dataset import load_dataset  # noqa: E402
from orchestrator_tui.evaluation.runner import examples  # noqa: E402
from orchestrator_tui.learned.model import LearnedRouter  # noqa: E402
from orchestrator_tui.learned.train import fit_router  # noqa: E402
from tests.bench_data import structured_rows, write_jsonl  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "data" / "routing" / "routerbench-train.jsonl"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE
        if not path.is_file():
            path = write_jsonl(Path(tmp) / "synthetic.jsonl", structured_rows(3000))
        data = load_dataset(path)
        started = time.perf_counter()
        router = fit_router(examples(data))
        trained = time.perf_counter() - started
        saved = Path(tmp) / "router.json"
        router.save(saved)
        size = saved.stat().st_size
        loads = []
        for _ in range(5):
            started = time.perf_counter()
            loaded = LearnedRouter.load(saved)
            loads.append(time.perf_counter() - started)
        prompts = [item.prompt for item in data.items[:200]]
        started = time.perf_counter()
        for prompt in prompts:
            loaded.compute(prompt)
        per_prediction = (time.perf_counter() - started) / len(prompts)
    print(
        f"data: {data.name}, {len(data.items):,} rows, {len(router.models)} models, "
        f"{len(router.vocabulary.index):,} terms"
    )
    print(f"training (one fit, all rows): {trained:.2f} s")
    print(f"saved file: {size / 1e6:.2f} MB")
    print(f"loading: {1000 * statistics.median(loads):.0f} ms (median of 5)")
    print(f"one prediction: {1000 * per_prediction:.2f} ms (mean of {len(prompts)})")


if __name__ == "__main__":
    main()
