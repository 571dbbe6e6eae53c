"""The SQLite history, budgets and cache, on a real database file."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from orchestrator_tui.config import BudgetSettings
from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.engine.events import TextDelta
from orchestrator_tui.engine.ratelimit import RateLimiter
from orchestrator_tui.registry import Registry
from orchestrator_tui.store import budgets
from orchestrator_tui.store.cache import SQLiteCache, cache_stats
from orchestrator_tui.store.db import StoreError, open_db
from orchestrator_tui.store.history import export_rows, get_request, list_requests, stats
from orchestrator_tui.store.ledger import SQLiteLedger
from orchestrator_tui.store.migrations import MIGRATIONS, migrate

from .conftest import api_environ, fast_settings
from .fake_server import Gate, Reply


@pytest.fixture
def db(tmp_path):
    connection = open_db(tmp_path / "orch.db")
    yield connection
    connection.close()


def demo_engine(db, settings=None, cache=False):
    settings = settings or fast_settings()
    return Engine(
        settings,
        demo=True,
        ledger=SQLiteLedger(db, settings),
        cache=SQLiteCache(db, settings.cache_ttl) if cache else None,
    )


def run(engine, request):
    return asyncio.run(engine.run_to_result(request))


def test_database_uses_wal_and_all_migrations(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == [m.__name__ for m in MIGRATIONS]


def test_every_request_and_attempt_is_recorded(db):
    result = run(
        demo_engine(db),
        Request(
            "Prove that sqrt 2 is irrational", strategy="fallback", category="math", tags=["t1"]
        ),
    )
    [row] = list_requests(db)
    assert row["model_used"] == result.model_used and row["demo"] is True
    assert row["cost"] == pytest.approx(result.cost) and row["category"] == "math"
    full = get_request(db, row["id"])
    assert len(full["attempts"]) == len(result.attempts) > 1
    assert [a["accepted"] for a in full["attempts"]][-1] is True
    assert sum(a["cost"] for a in full["attempts"]) == pytest.approx(result.cost)
    assert full["attempts"][0]["prices"]["input_per_mtok"] == 0.1
    assert full["response"] == result.response and full["tags"] == ["t1"]
    assert full["baseline_cost"] > full["cost"]  # the dearest model of the chain costs more


def test_no_log_keeps_the_cost_but_not_the_text(db):
    run(
        demo_engine(db),
        Request("secret prompt", strategy="single", model="test-small-o", log_text=False),
    )
    full = get_request(db, list_requests(db)[0]["id"])
    assert full["prompt"] is None and full["response"] is None
    assert full["attempts"][0]["text"] is None and full["cost"] > 0
    assert "secret prompt" not in json.dumps(export_rows(db, with_attempts=True))


def test_log_prompts_false_in_config(db):
    settings = fast_settings(log_prompts=False)
    run(demo_engine(db, settings), Request("private", strategy="single", model="test-small-o"))
    assert list_requests(db)[0]["prompt"] is None


def test_cache_hit_is_free_marked_and_recorded(db):
    engine = demo_engine(db, cache=True)
    first = run(
        engine, Request("What is the capital of France?", strategy="single", model="test-small-o")
    )
    second = run(
        engine, Request("What is the capital of France?", strategy="single", model="test-small-o")
    )
    third = run(
        engine,
        Request(
            "What is the capital of France?",
            strategy="single",
            model="test-small-o",
            use_cache=False,
        ),
    )
    assert not first.cached and second.cached and not third.cached
    assert second.cost == 0 and second.response == first.response
    rows = list_requests(db)
    assert [r["cached"] for r in rows] == [False, True, False]
    assert cache_stats(db, 3600)["hits"] == 1


def test_cache_entries_expire(db):
    cache = SQLiteCache(db, ttl=0.0)
    cache.put("k", "m", "p", "text", {})
    assert cache.get("k") is None


def test_cache_key_covers_parameters(db):
    engine = demo_engine(db, cache=True)
    run(engine, Request("What is 2+2?", strategy="single", model="test-small-o"))
    other = run(
        engine, Request("What is 2+2?", strategy="single", model="test-small-o", max_tokens=100)
    )
    assert not other.cached


async def test_stats_keep_demo_apart_and_count_savings(db, fake_api):
    await demo_engine(db).run_to_result(Request("What is 2+2?", strategy="fallback", category="a"))
    settings = fast_settings()
    real = Engine(
        settings,
        Registry.build(settings, environ=api_environ(fake_api)),
        ledger=SQLiteLedger(db, settings),
        limiter=RateLimiter(),
    )
    result = await real.run_to_result(
        Request("What is 2+2?", strategy="single", model="test-small-o", category="b")
    )
    data = stats(db)
    assert data["real"]["requests"] == 1 and data["demo"]["requests"] == 1
    assert data["real"]["cost"] == pytest.approx(result.cost)
    assert data["real"]["by_model"][0]["model"] == "test-small-o"
    assert data["real"]["by_category"][0]["category"] == "b"
    assert data["real"]["savings"]["saved"] == 0  # a single model is its own dearest
    assert data["demo"]["savings"]["saved"] > 0
    await real.aclose()


def test_history_filters(db):
    engine = demo_engine(db)
    run(engine, Request("What is 2+2?", strategy="single", model="test-small-o", category="x"))
    run(engine, Request("What is 3+3?", strategy="cheapest", category="y"))
    assert [r["category"] for r in list_requests(db, category="x")] == ["x"]
    assert [r["strategy"] for r in list_requests(db, strategy="cheapest")] == ["cheapest"]
    assert len(list_requests(db, model="test-small-o")) == 1
    assert len(list_requests(db, limit=1)) == 1
    assert list_requests(db, since=9e12) == []


def test_cancelled_request_keeps_what_was_paid(db, fake_api):
    fake_api.script(Reply(input_tokens=5000, gate=Gate(after=2)))  # held mid-stream
    settings = fast_settings()
    engine = Engine(
        settings,
        Registry.build(settings, environ=api_environ(fake_api)),
        ledger=SQLiteLedger(db, settings),
        limiter=RateLimiter(),
    )

    async def cancel_midway():
        streaming = asyncio.Event()

        def on_event(event):
            if isinstance(event, TextDelta):  # message_start, with its usage, came first
                streaming.set()

        task = asyncio.create_task(
            engine.run_to_result(
                Request("hi", strategy="single", model="test-small-a"), on_event=on_event
            )
        )
        await asyncio.wait_for(streaming.wait(), timeout=30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await engine.aclose()

    asyncio.run(cancel_midway())
    full = get_request(db, list_requests(db)[0]["id"])
    assert full["status"] == "cancelled"
    [attempt] = full["attempts"]
    assert attempt["status"] == "cancelled" and attempt["input_tokens"] == 5000
    assert attempt["cost"] > 0 and full["cost"] == pytest.approx(attempt["cost"])


def test_persistent_budget_refuses_with_which_budget_and_what_is_left(db):
    settings = fast_settings(budget=BudgetSettings(daily=0.0005))
    result = run(
        demo_engine(db, settings),
        Request("Prove that sqrt 2 is irrational", strategy="single", model="test-large-a"),
    )
    assert not result.success
    error = result.metadata["error"]
    assert "daily budget $0.0005" in error and "left" in error and "could cost" in error
    assert db.execute("SELECT COUNT(*) FROM reservations").fetchone()[0] == 0


def test_budget_counts_what_was_spent_today(db):
    settings = fast_settings(budget=BudgetSettings(daily=0.001))
    engine = demo_engine(db, settings)
    request = Request("What is 2+2?", strategy="single", model="test-small-o", max_tokens=100)
    spent = 0.0
    while True:
        result = run(engine, request)
        if not result.success:
            break
        spent += result.cost
    [state] = budgets.budget_states(db, settings, demo=True)
    assert state.spent == pytest.approx(spent) and spent <= 0.001
    assert budgets.budget_states(db, settings, demo=False)[0].spent == 0  # real is apart


def test_budget_set_overrides_config(db):
    settings = fast_settings(budget=BudgetSettings(daily=5.0))
    budgets.set_limits(db, daily=1.0, monthly=20.0)
    limits = budgets.effective_limits(db, settings)
    assert limits == {"daily": (1.0, "set"), "monthly": (20.0, "set")}
    budgets.clear_limits(db)
    assert budgets.effective_limits(db, settings) == {"daily": (5.0, "config")}


def test_older_schema_migrates_and_keeps_rows(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    migrate(old, MIGRATIONS[:1])  # a database made by the first release
    old.execute("INSERT INTO requests (timestamp, strategy, cost) VALUES (1.0, 'single', 0.5)")
    old.close()
    db = open_db(path)
    assert db.execute("SELECT cost, cached FROM requests").fetchone()[0] == 0.5
    assert db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)
    db.execute("SELECT * FROM cache")  # a later migration's table exists


def test_corrupted_database_is_one_clear_error(tmp_path):
    path = tmp_path / "orch.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as caught:
        open_db(path)
    message = str(caught.value)
    assert str(path) in message and "move it aside" in message and "delete" not in message
    assert "\n" not in message


def test_rollups_agree_with_the_recorded_rows(db):
    from orchestrator_tui.store.rollups import rebuild_rollups

    engine = demo_engine(db, fast_settings(budget=BudgetSettings(daily=0.01)))
    for prompt, strategy in (
        ("What is 2+2?", "fallback"),
        ("Prove it", "cheapest"),
        ("Design a cache", "ensemble"),
        ("Prove it", "fallback"),
    ):
        run(engine, Request(prompt, strategy=strategy, category=strategy[:3]))
    incremental = stats(db)
    snapshot = [
        sorted(map(tuple, db.execute(f"SELECT * FROM {t}")))
        for t in ("rollup_requests", "rollup_models")
    ]
    rebuild_rollups(db)
    rebuilt = [
        sorted(map(tuple, db.execute(f"SELECT * FROM {t}")))
        for t in ("rollup_requests", "rollup_models")
    ]
    assert len(snapshot[0]) > 1 and len(snapshot[1]) > 1
    for before, after in zip(snapshot, rebuilt, strict=False):
        assert [r[:4] for r in before] == [r[:4] for r in after]
        for row_before, row_after in zip(before, after, strict=False):
            assert row_before[4:] == pytest.approx(row_after[4:])
    assert incremental["demo"]["requests"] == 4
    direct = db.execute("SELECT SUM(cost) FROM requests").fetchone()[0]
    assert incremental["demo"]["cost"] == pytest.approx(direct)
