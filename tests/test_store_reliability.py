"""Several processes on one database: nothing lost, no "database is locked", no overrun."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from orchestrator_tui.store.db import open_db

from .registry_settings import CHILD_IMPORT

WRITER = CHILD_IMPORT + textwrap.dedent("""
    import asyncio, sys
    from orchestrator_tui.config import BudgetSettings
    from orchestrator_tui.engine import Engine, Request
    from orchestrator_tui.store.db import open_db
    from orchestrator_tui.store.ledger import SQLiteLedger

    path, count, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    daily, speed = sys.argv[4], float(sys.argv[5])
    daily = float(daily) if daily != "-" else None
    settings = base_settings(demo_speed=speed, budget=BudgetSettings(daily=daily))
    engine = Engine(settings, demo=True, ledger=SQLiteLedger(open_db(path), settings))
    model = engine.registry.models["test-small-o"]
    engine.registry.models["test-small-o"] = model.with_changes(rpm=None, tpm=None)

    async def main():
        done = refused = 0
        for i in range(count):
            result = await engine.run_to_result(Request(
                f"What is {i} + 1?", strategy="single", model="test-small-o", category=label,
                max_tokens=200, use_cache=False))
            done += result.success
            refused += not result.success
            if refused:
                break
        print(done, refused, flush=True)

    asyncio.run(main())
""")


def start_writer(path, count, label, daily="-", speed=0.0):
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(count), label, daily, str(speed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_record_1000_requests_each(tmp_path):
    path = tmp_path / "orch.db"
    open_db(path).close()
    writers = [start_writer(path, 1000, label) for label in ("a", "b")]
    outputs = [w.communicate(timeout=240) for w in writers]
    for writer, (out, err) in zip(writers, outputs, strict=False):
        assert writer.returncode == 0, err
        assert "locked" not in err and out.split() == ["1000", "0"]
    db = sqlite3.connect(path)
    counts = dict(db.execute("SELECT category, COUNT(*) FROM requests GROUP BY category"))
    assert counts == {"a": 1000, "b": 1000}
    assert db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 2000
    assert db.execute("SELECT COUNT(*) FROM requests WHERE status != 'ok'").fetchone()[0] == 0


def test_a_killed_process_leaves_a_consistent_database(tmp_path):
    path = tmp_path / "orch.db"
    open_db(path).close()
    writer = start_writer(path, 100_000, "k")
    deadline = time.time() + 30
    db = sqlite3.connect(path, timeout=10)
    while db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] < 50:
        assert time.time() < deadline and writer.poll() is None
        time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=10)
    db.close()
    reopened = open_db(path)
    assert reopened.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = reopened.execute(
        "SELECT COUNT(*) FROM attempts WHERE request_id NOT IN (SELECT id FROM requests)"
    ).fetchone()[0]
    assert orphans == 0
    statuses = {r[0] for r in reopened.execute("SELECT DISTINCT status FROM requests")}
    # a request it was running (if the kill fell inside one) is closed, never left running
    assert statuses <= {"ok", "interrupted"}


@pytest.mark.parametrize("daily", ["0.002"])
def test_two_processes_cannot_together_overrun_a_budget(tmp_path, daily):
    path = tmp_path / "orch.db"
    open_db(path).close()
    writers = [start_writer(path, 10_000, label, daily=daily, speed=0.02) for label in "xy"]
    for writer in writers:
        out, err = writer.communicate(timeout=240)
        assert writer.returncode == 0, err
        assert out.split()[1] == "1"  # each stopped at a refusal
    db = sqlite3.connect(path)
    spent = db.execute("SELECT SUM(cost) FROM attempts WHERE status = 'ok'").fetchone()[0]
    assert spent <= float(daily) + 1e-12
    assert spent > float(daily) * 0.5  # both really spent up to the limit
    assert db.execute("SELECT COUNT(*) FROM reservations").fetchone()[0] == 0
