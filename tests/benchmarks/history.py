"""History figures: recording cost per request, `orch stats` over 100,000 requests, and a
cache hit.

Run: python tests/benchmarks/history.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.store.cache import SQLiteCache
from orchestrator_tui.store.db import open_db
from orchestrator_tui.store.ledger import SQLiteLedger
from orchestrator_tui.store.rollups import rebuild_rollups
from tests.registry_settings import base_settings

MODELS = ["test-small-a", "test-small-o", "test-medium-o", "test-large-a"]


def engine_with(db, record: bool, cache: bool = False) -> Engine:
    settings = base_settings(demo_speed=0)
    engine = Engine(
        settings,
        demo=True,
        ledger=SQLiteLedger(db, settings) if record else None,
        cache=SQLiteCache(db, 3600) if cache else None,
    )
    for name in MODELS:
        engine.registry.models[name] = engine.registry.models[name].with_changes(rpm=None, tpm=None)
    return engine


async def per_request(engine: Engine, count: int, use_cache: bool = False) -> float:
    times = []
    for i in range(count):
        prompt = "What is 2+2?" if use_cache else f"What is {i}+2?"
        started = time.perf_counter()
        await engine.run_to_result(
            Request(prompt, strategy="single", model="test-small-o", use_cache=use_cache)
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def recording_overhead(folder: Path, count: int = 2000) -> None:
    db = open_db(folder / "rec.db")
    bare = asyncio.run(per_request(engine_with(db, record=False), count))
    recorded = asyncio.run(per_request(engine_with(db, record=True), count))
    print(
        f"recording: {bare * 1000:.3f} ms without, {recorded * 1000:.3f} ms with the SQLite "
        f"ledger: +{(recorded - bare) * 1000:.3f} ms per request (median of {count})"
    )


def cache_hit(folder: Path, count: int = 500) -> None:
    db = open_db(folder / "cache.db")
    engine = engine_with(db, record=True, cache=True)
    asyncio.run(per_request(engine, 1, use_cache=True))  # fill
    hit = asyncio.run(per_request(engine, count, use_cache=True))
    print(f"cache hit through the engine, recorded: {hit * 1000:.3f} ms (median of {count})")


def fill(db, count: int) -> None:
    rng = random.Random(1)
    now = time.time()
    rows = []
    for i in range(count):
        model = rng.choice(MODELS)
        rows.append(
            (
                now - rng.uniform(0, 60 * 86400),
                rng.choice(["fallback", "cheapest", "ensemble", "single"]),
                model,
                "demo" if i % 5 == 0 else "anthropic",
                rng.randint(10, 2000),
                rng.randint(10, 800),
                rng.uniform(0, 0.01),
                rng.uniform(0, 0.05),
                rng.uniform(0.2, 5),
                rng.choice(["work", "home", None]),
                int(i % 5 == 0),
            )
        )
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO requests (timestamp, strategy, model_used, provider, input_tokens, "
        "output_tokens, cost, baseline_cost, latency, category, demo, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok')",
        rows,
    )
    db.executemany(
        "INSERT INTO attempts (request_id, attempt_no, timestamp, model, provider, "
        "status, input_tokens, output_tokens, cost, latency, demo) "
        "VALUES (?, 1, ?, ?, ?, 'ok', ?, ?, ?, ?, ?)",
        [(i + 1, r[0], r[2], r[3], r[4], r[5], r[6], r[8], r[10]) for i, r in enumerate(rows)],
    )
    rebuild_rollups(db)  # bulk rows bypass the ledger, which keeps the rollups as it records
    db.execute("COMMIT")


def stats_command(folder: Path, count: int = 100_000, runs: int = 10) -> None:
    home = folder / "home"
    home.mkdir()
    db = open_db(home / "orch.db")
    fill(db, count)
    db.close()
    env = {**os.environ, "ORCH_HOME": str(home)}
    for args in (["stats"], ["stats", "--json"], ["stats", "--period", "weekly"]):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-m", "orchestrator_tui", *args],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            times.append(time.perf_counter() - started)
        if args == ["stats", "--json"]:
            data = json.loads(out)
            assert data["real"]["requests"] + data["demo"]["requests"] == count
        print(
            f"orch {' '.join(args):22} over {count:,} requests: "
            f"{statistics.median(times) * 1000:.0f} ms (median of {runs}, whole command)"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        recording_overhead(Path(folder))
        cache_hit(Path(folder))
        stats_command(Path(folder))


if __name__ == "__main__":
    main()
