"""Persistent daily and monthly budgets, enforced across processes.

A call reserves its worst case inside one IMMEDIATE transaction (the database's write lock),
so two terminals cannot both take the last dollar. Spending counts real and demo calls apart:
the demo's simulated costs never eat into a real budget.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from .db import transaction
from .periods import start_of_day, start_of_month

RESERVATION_GRACE = 60.0  # seconds a reservation outlives the call's own timeout


@dataclass
class BudgetState:
    period: str
    limit: float
    spent: float
    source: str  # "set" (orch budget set) or "config"

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.spent)

    @property
    def share(self) -> float:
        return self.spent / self.limit if self.limit > 0 else 1.0


def period_starts() -> dict[str, float]:
    return {"daily": start_of_day(), "monthly": start_of_month()}


def stored_limits(db: sqlite3.Connection) -> dict[str, float]:
    return {row["period"]: row["limit_usd"] for row in db.execute("SELECT * FROM budgets")}


def effective_limits(db: sqlite3.Connection, settings) -> dict[str, tuple[float, str]]:
    limits = {p: (v, "config") for p, v in (("daily", settings.budget.daily),
                                            ("monthly", settings.budget.monthly)) if v is not None}
    limits.update({p: (v, "set") for p, v in stored_limits(db).items()})
    return limits


def spent_since(db: sqlite3.Connection, since: float, demo: bool, now: float) -> float:
    recorded = db.execute("SELECT COALESCE(SUM(cost), 0) FROM attempts "
                          "WHERE timestamp >= ? AND demo = ?", (since, int(demo))).fetchone()[0]
    held = db.execute("SELECT COALESCE(SUM(amount), 0) FROM reservations "
                      "WHERE expires > ? AND demo = ?", (now, int(demo))).fetchone()[0]
    return recorded + held


def budget_states(db: sqlite3.Connection, settings, demo: bool) -> list[BudgetState]:
    now, starts = time.time(), period_starts()
    return [BudgetState(period, limit, spent_since(db, starts[period], demo, now), source)
            for period, (limit, source) in effective_limits(db, settings).items()]


def reserve(db: sqlite3.Connection, settings, owner: str, estimate: float | None, demo: bool,
            hold_seconds: float) -> str | None:
    """Hold `estimate` under every budget, or return why it does not fit."""
    with transaction(db, immediate=True):
        states = budget_states(db, settings, demo)
        if not states:
            return None
        for state in states:
            if estimate is None:
                return f"the {state.period} budget cannot cover a model with no known price"
            if state.spent + estimate > state.limit + 1e-12:
                return (f"{state.period} budget ${state.limit:g}: ${state.left:.6f} left, and "
                        f"the call could cost up to ${estimate:.6f}")
        now = time.time()
        db.execute("INSERT OR REPLACE INTO reservations VALUES (?, ?, ?, ?, ?)",
                   (owner, estimate, int(demo), now, now + hold_seconds + RESERVATION_GRACE))
    return None


def set_limits(db: sqlite3.Connection, daily: float | None, monthly: float | None) -> None:
    with transaction(db, immediate=True):
        for period, value in (("daily", daily), ("monthly", monthly)):
            if value is not None:
                db.execute("INSERT OR REPLACE INTO budgets VALUES (?, ?)", (period, value))


def clear_limits(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM budgets")
