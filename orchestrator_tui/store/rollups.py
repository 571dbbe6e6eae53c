"""Per-day totals by strategy and category (requests) and by model (attempts).

The ledger adds to them in the same transaction that records a request or an attempt, so they
always agree with the rows; `rebuild_rollups` recomputes them from the rows.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

REQUEST_SUMS = (
    "requests",
    "cost",
    "baseline",
    "compared",
    "input_tokens",
    "output_tokens",
    "cache_hits",
    "latency_sum",
)
MODEL_SUMS = ("calls", "cost", "input_tokens", "output_tokens", "latency_sum", "failures")


def create_rollups(db: sqlite3.Connection) -> None:
    db.execute("""CREATE TABLE rollup_requests (
        day TEXT, demo INTEGER, strategy TEXT, category TEXT, requests INTEGER, cost REAL,
        baseline REAL, compared REAL, input_tokens INTEGER, output_tokens INTEGER,
        cache_hits INTEGER, latency_sum REAL, PRIMARY KEY (day, demo, strategy, category))""")
    db.execute("""CREATE TABLE rollup_models (
        day TEXT, demo INTEGER, model TEXT, calls INTEGER, cost REAL, input_tokens INTEGER,
        output_tokens INTEGER, latency_sum REAL, failures INTEGER,
        PRIMARY KEY (day, demo, model))""")


def day_of(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d")


def upsert_sql(table: str, keys: tuple[str, ...], sums: tuple[str, ...]) -> str:
    columns = keys + sums
    updates = ", ".join(f"{s} = {s} + excluded.{s}" for s in sums)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        f"({', '.join('?' * len(columns))}) ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        f"{updates}"
    )


REQUEST_UPSERT = upsert_sql(
    "rollup_requests", ("day", "demo", "strategy", "category"), REQUEST_SUMS
)
MODEL_UPSERT = upsert_sql("rollup_models", ("day", "demo", "model"), MODEL_SUMS)


def add_request(
    db: sqlite3.Connection,
    timestamp: float,
    demo: bool,
    strategy: str | None,
    category: str | None,
    cost: float | None,
    baseline: float | None,
    input_tokens: int | None,
    output_tokens: int | None,
    cached: bool,
    latency: float | None,
) -> None:
    compared = cost if baseline is not None else 0.0
    db.execute(
        REQUEST_UPSERT,
        (
            day_of(timestamp),
            int(demo),
            strategy or "",
            category or "",
            1,
            cost or 0.0,
            baseline or 0.0,
            compared or 0.0,
            input_tokens or 0,
            output_tokens or 0,
            int(bool(cached)),
            latency or 0.0,
        ),
    )


def add_attempt(
    db: sqlite3.Connection,
    timestamp: float,
    demo: bool,
    model: str,
    status: str,
    cost: float | None,
    input_tokens: int | None,
    output_tokens: int | None,
    latency: float | None,
) -> None:
    if status == "skipped":
        return
    db.execute(
        MODEL_UPSERT,
        (
            day_of(timestamp),
            int(demo),
            model,
            1,
            cost or 0.0,
            input_tokens or 0,
            output_tokens or 0,
            latency or 0.0,
            int(status != "ok"),
        ),
    )


def rebuild_rollups(db: sqlite3.Connection) -> None:
    """Recompute every rollup from the recorded rows (after a migration or a bulk import)."""
    local_day = "date(timestamp, 'unixepoch', 'localtime')"
    db.execute("DELETE FROM rollup_requests")
    db.execute("DELETE FROM rollup_models")
    db.execute(f"""INSERT INTO rollup_requests SELECT {local_day}, demo, COALESCE(strategy, ''),
        COALESCE(category, ''), COUNT(*), COALESCE(SUM(cost), 0),
        COALESCE(SUM(baseline_cost), 0),
        COALESCE(SUM(CASE WHEN baseline_cost IS NOT NULL THEN cost END), 0),
        COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
        COALESCE(SUM(cached), 0), COALESCE(SUM(latency), 0)
        FROM requests WHERE status != 'running' GROUP BY 1, 2, 3, 4""")
    db.execute(f"""INSERT INTO rollup_models SELECT {local_day}, demo, model, COUNT(*),
        COALESCE(SUM(cost), 0), COALESCE(SUM(input_tokens), 0),
        COALESCE(SUM(output_tokens), 0), COALESCE(SUM(latency), 0),
        SUM(status != 'ok') FROM attempts WHERE status != 'skipped' GROUP BY 1, 2, 3""")
