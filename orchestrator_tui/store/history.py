"""Reading the history: lists, one request in full, statistics, report series, exports."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from .rollups import day_of

Record = dict[str, Any]  # one row, its JSON columns decoded

LIST_COLUMNS = (
    "id",
    "timestamp",
    "strategy",
    "model_used",
    "provider",
    "cost",
    "input_tokens",
    "output_tokens",
    "latency",
    "confidence",
    "status",
    "category",
    "demo",
    "cached",
    "prompt",
    "rating",
    "rated_by",
    "conversation_id",
)


def where_clause(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL conditions on the requests table for the filters given (None = no filter)."""
    conditions: list[str] = []
    values: list[Any] = []
    for column, op in (
        ("model_used", "="),
        ("strategy", "="),
        ("category", "="),
        ("timestamp", ">="),
        ("conversation_id", "="),
    ):
        key = {"timestamp": "since", "model_used": "model", "conversation_id": "conversation"}.get(
            column, column
        )
        if filters.get(key) is not None:
            conditions.append(f"{column} {op} ?")
            values.append(filters[key])
    return (" WHERE " + " AND ".join(conditions)) if conditions else "", values


def list_requests(db: sqlite3.Connection, limit: int | None = 20, **filters: Any) -> list[Record]:
    where, values = where_clause(filters)
    sql = f"SELECT {', '.join(LIST_COLUMNS)}, tags FROM requests{where} ORDER BY id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [row_dict(row) for row in db.execute(sql, values)]


def search_requests(db: sqlite3.Connection, query: str, limit: int = 200) -> list[Record]:
    """Newest first; `query` matches the prompt, the answer, the model or the category."""
    pattern = f"%{query.strip()}%"
    sql = (
        f"SELECT {', '.join(LIST_COLUMNS)}, tags FROM requests WHERE ? = '%%' OR "
        "prompt LIKE ? OR response LIKE ? OR model_used LIKE ? OR category LIKE ? "
        "ORDER BY id DESC LIMIT ?"
    )
    return [
        row_dict(r) for r in db.execute(sql, (pattern, pattern, pattern, pattern, pattern, limit))
    ]


def get_request(db: sqlite3.Connection, request_id: int) -> Record | None:
    row = db.execute("SELECT * FROM requests WHERE id = ?", (request_id,)).fetchone()
    if row is None:
        return None
    record = row_dict(row)
    record["attempts"] = [
        row_dict(a)
        for a in db.execute(
            "SELECT * FROM attempts WHERE request_id = ? ORDER BY attempt_no", (request_id,)
        )
    ]
    return record


def row_dict(row: sqlite3.Row) -> Record:
    record = dict(row)
    for key in ("tags", "models", "metadata", "prices"):
        if isinstance(record.get(key), str):
            record[key] = json.loads(record[key])
    for key in ("demo", "cached", "accepted", "estimated"):
        if key in record and record[key] is not None:
            record[key] = bool(record[key])
    return record


def group_totals(db: sqlite3.Connection, sql: str, values: list[Any]) -> list[Record]:
    return [dict(row) for row in db.execute(sql, values)]


def stats(
    db: sqlite3.Connection, since: float | None = None, category: str | None = None
) -> Record:
    """Totals and breakdowns, real spending and demo apart, with the savings, of one category
    or all; read from the per-day rollups, so the cost does not grow with the number of
    requests (but for the models of one category, which only the attempts know)."""
    first_day = day_of(since) if since is not None else ""
    only = " AND category = ?" if category is not None else ""
    requests_by = group_totals(
        db,
        f"""
        SELECT demo, strategy, category, SUM(requests) AS requests, SUM(cost) AS cost,
               SUM(baseline) AS baseline, SUM(compared) AS compared,
               SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
               SUM(cache_hits) AS cache_hits
        FROM rollup_requests WHERE day >= ?{only} GROUP BY demo, strategy, category""",
        [first_day] + ([category] if only else []),
    )
    models = (
        model_totals(db, first_day)
        if category is None
        else category_model_totals(db, since or 0.0, category)
    )
    return {
        "since": since,
        "category": category,
        "real": summarise(requests_by, models, demo=0),
        "demo": summarise(requests_by, models, demo=1),
    }


def model_totals(db: sqlite3.Connection, first_day: str) -> list[Record]:
    return group_totals(
        db,
        """
        SELECT demo, model, SUM(calls) AS calls, SUM(cost) AS cost,
               SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
               SUM(latency_sum) / SUM(calls) AS latency, SUM(failures) AS failures
        FROM rollup_models WHERE day >= ? GROUP BY demo, model ORDER BY cost DESC""",
        [first_day],
    )


def category_model_totals(db: sqlite3.Connection, since: float, category: str) -> list[Record]:
    """What `model_totals` gives, for the calls of one category's requests."""
    return group_totals(
        db,
        """
        SELECT a.demo, a.model, COUNT(*) AS calls, COALESCE(SUM(a.cost), 0) AS cost,
               SUM(a.input_tokens) AS input_tokens, SUM(a.output_tokens) AS output_tokens,
               COALESCE(SUM(a.latency), 0) / COUNT(*) AS latency,
               SUM(a.status != 'ok') AS failures
        FROM attempts a JOIN requests r ON r.id = a.request_id
        WHERE a.status != 'skipped' AND a.timestamp >= ? AND r.category = ?
        GROUP BY a.demo, a.model ORDER BY cost DESC""",
        [since, category],
    )


def summarise(requests_by: list[Record], models: list[Record], demo: int) -> Record:
    rows = [r for r in requests_by if r["demo"] == demo]
    baseline = sum(r["baseline"] for r in rows)
    compared = sum(r["compared"] for r in rows)
    return {
        "requests": sum(r["requests"] for r in rows),
        "cost": sum(r["cost"] for r in rows),
        "input_tokens": sum(r["input_tokens"] or 0 for r in rows),
        "output_tokens": sum(r["output_tokens"] or 0 for r in rows),
        "cache_hits": sum(r["cache_hits"] or 0 for r in rows),
        "savings": {
            "baseline_cost": baseline,
            "actual_cost": compared,
            "saved": baseline - compared,
        },
        "by_model": [strip(m) for m in models if m["demo"] == demo],
        "by_strategy": regroup(rows, "strategy"),
        "by_category": regroup(rows, "category"),
    }


def strip(row: Record) -> Record:
    return {k: v for k, v in row.items() if k != "demo"}


def regroup(rows: list[Record], key: str) -> list[Record]:
    groups: dict[str, Record] = {}
    for row in rows:
        group = groups.setdefault(
            row[key] or "(none)", {key: row[key] or "(none)", "requests": 0, "cost": 0.0}
        )
        group["requests"] += row["requests"]
        group["cost"] += row["cost"]
    return sorted(groups.values(), key=lambda g: g["cost"], reverse=True)


def cost_series(
    db: sqlite3.Connection, since: float, bucket_seconds: float, category: str | None = None
) -> list[tuple[float, float, float]]:
    """(bucket start, real cost, demo cost) per bucket since `since`."""
    where = "timestamp >= ?" + (" AND category = ?" if category else "")
    values: list[Any] = [since, *([category] if category else [])]
    rows = db.execute(
        f"""SELECT CAST((timestamp - ?) / ? AS INTEGER) AS bucket, demo,
                          COALESCE(SUM(cost), 0) FROM requests WHERE {where}
                          GROUP BY bucket, demo""",
        [since, bucket_seconds, *values],
    )
    buckets = int((time.time() - since) // bucket_seconds) + 1
    series = [[since + i * bucket_seconds, 0.0, 0.0] for i in range(buckets)]
    for bucket, demo, cost in rows:
        if 0 <= bucket < buckets:
            series[bucket][2 if demo else 1] += cost
    return [(start, real, demo_cost) for start, real, demo_cost in series]


def export_rows(db: sqlite3.Connection, with_attempts: bool, **filters: Any) -> list[Record]:
    where, values = where_clause(filters)
    rows = [row_dict(r) for r in db.execute(f"SELECT * FROM requests{where} ORDER BY id", values)]
    if with_attempts:
        attempts: dict[int, list[Record]] = {}
        for a in db.execute("SELECT * FROM attempts ORDER BY request_id, attempt_no"):
            attempts.setdefault(a["request_id"], []).append(row_dict(a))
        for row in rows:
            row["attempts"] = attempts.get(row["id"], [])
    return rows
