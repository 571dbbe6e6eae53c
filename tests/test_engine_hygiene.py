"""What keeps figures honest and the event loop free: SDK imports off the loop and off the
clock, storage on its own thread, adaptive pacing after 429s, abandoned requests closed."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

from orchestrator_tui.batch.runner import BatchRunner, read_items
from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.engine.ratelimit import RateLimiter
from orchestrator_tui.registry import Registry
from orchestrator_tui.store.abandoned import close_abandoned_requests
from orchestrator_tui.store.db import open_db
from orchestrator_tui.store.ledger import SQLiteLedger

from .conftest import api_environ, fast_settings
from .registry_settings import CHILD_IMPORT
from .test_batch import write_jsonl

COLD_CALL = CHILD_IMPORT + textwrap.dedent("""
    import asyncio, json, sys, time
    from orchestrator_tui.engine import Engine, Request
    from orchestrator_tui.registry import Registry

    environ = json.loads(sys.argv[1])

    async def ticker(gaps):
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def main():
        settings = base_settings()
        engine = Engine(settings, Registry.build(settings, environ=environ))
        gaps = []
        tick = asyncio.create_task(ticker(gaps))
        result = await engine.run_to_result(Request("hi", strategy="single", model=sys.argv[2],
                                                    use_cache=False))
        tick.cancel()
        print(json.dumps({"latency": result.attempts[0].latency, "longest_gap": max(gaps),
                          "success": result.success}))

    asyncio.run(main())
""")


def test_a_cold_process_imports_the_sdk_off_the_loop_and_off_the_clock(fake_api):
    """Before: `import anthropic` (about 1.4 s here) ran on the event loop inside the
    attempt's clock, so the loop froze and the latency included it."""
    proc = subprocess.run(
        [sys.executable, "-c", COLD_CALL, json.dumps(api_environ(fake_api)), "test-small-a"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["success"]
    assert figures["latency"] < 0.5  # the server answers at once; the import is not counted
    assert figures["longest_gap"] < 0.5  # the loop kept turning during the import


async def test_a_database_locked_by_another_process_does_not_block_the_event_loop(tmp_path):
    """Before: ledger writes ran on the loop and waited out the other writer's lock."""
    path = tmp_path / "orch.db"
    settings = fast_settings()
    engine = Engine(settings, demo=True, ledger=SQLiteLedger(open_db(path), settings))
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    ticks_while_locked = 0

    async def count_ticks() -> None:
        nonlocal ticks_while_locked
        while ticks_while_locked < 20:
            await asyncio.sleep(0.005)
            ticks_while_locked += 1
        other.execute("COMMIT")  # released only once the loop has shown it kept running

    safety = threading.Timer(5.0, lambda: other.in_transaction and other.execute("ROLLBACK"))
    safety.start()
    try:
        ticker = asyncio.create_task(count_ticks())
        result = await engine.run_to_result(
            Request("What is 2 + 2?", strategy="single", model="test-small-o")
        )
        await ticker
    finally:
        safety.cancel()
    assert result.success and ticks_while_locked == 20
    assert other.execute("SELECT status FROM requests").fetchone()[0] == "ok"


async def test_429s_slow_the_shared_limiter_so_a_batch_with_an_optimistic_rpm_converges(
    fake_api, tmp_path
):
    fake_api.rate_limit = (5, 1.0)  # the server: 5 requests a second
    settings = fast_settings()
    registry = Registry.build(settings, environ=api_environ(fake_api))
    model = registry.models["test-small-o"]
    registry.models["test-small-o"] = model.with_changes(rpm=60, tpm=None)  # 60 a second: 12×
    engine = Engine(settings, registry, limiter=RateLimiter(window_seconds=1.0))
    items = read_items(write_jsonl(tmp_path / "in.jsonl", 20))
    runner = BatchRunner(
        engine,
        Request("", strategy="single", model="test-small-o", use_cache=False),
        concurrency=10,
        max_cost=None,
    )
    progress = await runner.run(items, tmp_path / "out.jsonl")
    await engine.aclose()
    assert progress.done == 20 and progress.failed == 0
    assert fake_api.rejected <= 12  # it learned (one 429 per prompt and more before)


def insert_running(db, pid, run_id, age=0.0) -> int:
    cursor = db.execute(
        "INSERT INTO requests (timestamp, strategy, status, pid, run_id, demo) "
        "VALUES (?, 'single', 'running', ?, ?, 0)",
        (time.time() - age, pid, run_id),
    )
    db.execute(
        "INSERT INTO attempts (request_id, attempt_no, timestamp, model, status, cost) "
        "VALUES (?, 1, ?, 'm', 'error', 0.25)",
        (cursor.lastrowid, time.time()),
    )
    return cursor.lastrowid


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_request_left_running_by_a_dead_process_is_closed_as_interrupted(tmp_path):
    db = open_db(tmp_path / "orch.db")
    dead = insert_running(db, dead_pid(), "run-dead")
    alive = insert_running(db, subprocess.os.getpid(), "run-alive")
    held = insert_running(db, dead_pid(), "run-held")
    db.execute(
        "INSERT INTO reservations VALUES ('run-held:1', 0.5, 0, ?, ?)",
        (time.time(), time.time() + 60),
    )
    assert close_abandoned_requests(db) == [dead]
    rows = {r["id"]: r for r in db.execute("SELECT id, status, cost FROM requests")}
    assert rows[dead]["status"] == "interrupted" and rows[dead]["cost"] == 0.25
    assert rows[alive]["status"] == rows[held]["status"] == "running"
    later = time.time() + 120  # once the reservation has expired, it is closed too
    assert close_abandoned_requests(db, now=later) == [held]
    db.close()
    reopened = open_db(tmp_path / "orch.db")  # and opening the database does it
    assert (
        reopened.execute("SELECT COUNT(*) FROM requests WHERE status = 'running'").fetchone()[0]
        == 1
    )
