"""Persistent daily and monthly budgets, enforced across processes.

A call reserves its worst case inside one IMMEDIATE transaction (the database's write lock),
so two terminals cannot both take the last dollar. Spending counts real and demo calls apart:
the demo's simulated costs never eat into a real budget.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .periods import start_of_day, start_of_month
from .transactions import transaction

if TYPE_CHECKING:
    from ..config import Settings

RESERVATION_GRACE = 60.0  # seconds a reservation outlives the call's own timeout


@dataclass
class BudgetState:
    period: str
    limit: float
    spent: float  # recorded costs of the period
    source: str  # "set" (orch budget set) or "config"
    held: float = 0.0  # reserved by calls in flight: their worst case, until they end

    @property
    def left(self) -> float:
        return max(0.0, self.limit - self.spent - self.held)

    @property
    def share(self) -> float:
        """The share of the limit spent (what is held is not spent, and may never be)."""
        return self.spent / self.limit if self.limit > 0 else 1.0

    @property
    def held_share(self) -> float:
        return self.held / self.limit if self.limit > 0 else 0.0


def budget_notice(
    state: BudgetState, warn_at: float, money: Callable[[float], str] = lambda v: f"${v:.2f}"
) -> tuple[str, str] | None:
    """("warning" | "note", text) once the budget is `warn_at` used, else None: a warning
    when that much is spent, a note when only calls in flight take it there, e.g.
    "14% of the daily budget ($5.00) is spent, 85% is held by calls in flight; $0.05 left"."""
    if state.share + state.held_share < warn_at:
        return None
    held = f", {state.held_share:.0%} is held by calls in flight" if state.held > 0 else ""
    text = (
        f"{state.share:.0%} of the {state.period} budget ({money(state.limit)}) is spent"
        f"{held}; {money(state.left)} left"
    )
    return ("warning" if state.share >= warn_at else "note", text)


def period_starts() -> dict[str, float]:
    return {"daily": start_of_day(), "monthly": start_of_month()}


def stored_limits(db: sqlite3.Connection) -> dict[str, float]:
    return {row["period"]: row["limit_usd"] for row in db.execute("SELECT * FROM budgets")}


def effective_limits(db: sqlite3.Connection, settings: Settings) -> dict[str, tuple[float, str]]:
    limits = {
        p: (v, "config")
        for p, v in (("daily", settings.budget.daily), ("monthly", settings.budget.monthly))
        if v is not None
    }
    limits.update({p: (v, "set") for p, v in stored_limits(db).items()})
    return limits


def spent_since(db: sqlite3.Connection, since: float, demo: bool) -> float:
    return float(
        db.execute(
            "SELECT COALESCE(SUM(cost), 0) FROM attempts WHERE timestamp >= ? AND demo = ?",
            (since, int(demo)),
        ).fetchone()[0]
    )


def held_now(db: sqlite3.Connection, demo: bool, now: float) -> float:
    """The unexpired reservations: every call in flight holds its worst case until it ends."""
    return float(
        db.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM reservations WHERE expires > ? AND demo = ?",
            (now, int(demo)),
        ).fetchone()[0]
    )


def budget_states(
    db: sqlite3.Connection, settings: Settings, demo: bool, now: float | None = None
) -> list[BudgetState]:
    """Each budget as it stands at `now` (default: the clock's time): what it has spent and
    what the reservations unexpired then hold."""
    now, starts = time.time() if now is None else now, period_starts()
    limits = effective_limits(db, settings)
    held = held_now(db, demo, now) if limits else 0.0
    return [
        BudgetState(period, limit, spent_since(db, starts[period], demo), source, held)
        for period, (limit, source) in limits.items()
    ]


def reserve(
    db: sqlite3.Connection,
    settings: Settings,
    owner: str,
    estimate: float | None,
    demo: bool,
    hold_seconds: float,
) -> str | None:
    """Hold `estimate` under every budget for `hold_seconds` (math.inf: until its owner
    removes it), or return why it does not fit."""
    with transaction(db, immediate=True):
        states = budget_states(db, settings, demo)
        if not states:
            return None
        for state in states:
            if estimate is None:
                return f"the {state.period} budget cannot cover a model with no known price"
            if state.spent + state.held + estimate > state.limit + 1e-12:
                held = f" (${state.held:.6f} held by calls in flight)" if state.held else ""
                return (
                    f"{state.period} budget ${state.limit:g}: ${state.left:.6f} left{held}, "
                    f"and the call could cost up to ${estimate:.6f}"
                )
        now = time.time()
        db.execute(
            "INSERT OR REPLACE INTO reservations VALUES (?, ?, ?, ?, ?)",
            (owner, estimate, int(demo), now, now + hold_seconds + RESERVATION_GRACE),
        )
    return None


def set_limits(db: sqlite3.Connection, daily: float | None, monthly: float | None) -> None:
    with transaction(db, immediate=True):
        for period, value in (("daily", daily), ("monthly", monthly)):
            if value is not None:
                db.execute("INSERT OR REPLACE INTO budgets VALUES (?, ?)", (period, value))


def clear_limits(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM budgets")
