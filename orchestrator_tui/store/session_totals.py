"""One process's share of the history since a moment: what a TUI session spent, read from the
rows the ledger wrote. The session's figures are then `orch stats`'s figures for the same
requests: cancelled and failed ones included, real and demo spending apart."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# `orch stats` counts every request once it has ended (its rollups skip 'running' rows)
REQUESTS_SQL = """
    SELECT cost, demo, cached, latency, input_tokens, output_tokens FROM requests
    WHERE pid = ? AND timestamp >= ? AND status != 'running' ORDER BY id"""
# every call of the session's requests, those of the request in flight too (live figures);
# like the model rollups, skipped calls are not calls
MODELS_SQL = """
    SELECT a.model, COUNT(*) AS calls, COALESCE(SUM(a.cost), 0) AS cost,
           COALESCE(SUM(a.cached), 0) AS cache_hits,
           COALESCE(SUM(CASE WHEN a.cached THEN 0 ELSE a.latency END), 0) AS latency_sum
    FROM attempts a JOIN requests r ON r.id = a.request_id
    WHERE r.pid = ? AND r.timestamp >= ? AND a.status != 'skipped'
    GROUP BY a.model ORDER BY cost DESC, a.model"""


@dataclass(frozen=True)
class RequestFigure:
    cost: float
    demo: bool
    cached: bool


@dataclass(frozen=True)
class ModelFigure:
    model: str
    calls: int
    cost: float
    cache_hits: int
    latency_sum: float  # of the calls a model answered, not the cache

    @property
    def average_latency(self) -> float | None:
        """Seconds per call the model answered; None when the cache answered them all."""
        answered = self.calls - self.cache_hits
        return self.latency_sum / answered if answered else None


@dataclass(frozen=True)
class SessionTotals:
    requests: tuple[RequestFigure, ...] = ()
    models: tuple[ModelFigure, ...] = ()
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def real_cost(self) -> float:
        return sum(r.cost for r in self.requests if not r.demo)

    @property
    def demo_cost(self) -> float:
        return sum(r.cost for r in self.requests if r.demo)

    @property
    def has_demo(self) -> bool:
        return any(r.demo for r in self.requests)

    @property
    def cache_hits(self) -> int:
        return sum(r.cached for r in self.requests)

    @property
    def costs(self) -> list[float]:
        """Each request's cost, oldest first."""
        return [r.cost for r in self.requests]


def session_totals(db: sqlite3.Connection, pid: int, since: float) -> SessionTotals:
    """The requests process `pid` recorded from `since` (a time.time()) on, and their calls."""
    rows = db.execute(REQUESTS_SQL, (pid, since)).fetchall()
    models = db.execute(MODELS_SQL, (pid, since)).fetchall()
    return SessionTotals(
        tuple(RequestFigure(r["cost"] or 0.0, bool(r["demo"]), bool(r["cached"])) for r in rows),
        tuple(
            ModelFigure(m["model"], m["calls"], m["cost"], m["cache_hits"], m["latency_sum"])
            for m in models
        ),
        sum(r["input_tokens"] or 0 for r in rows),
        sum(r["output_tokens"] or 0 for r in rows),
    )
