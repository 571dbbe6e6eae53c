"""The SQLite ledger: every request and attempt recorded as it happens, and persistent
budgets enforced before each call. Attempts are written the moment they end, so what a call
cost is kept even when the command then fails or is cancelled."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from ..engine.cost import compute_cost
from ..engine.status import RequestStatus
from . import budgets, rollups
from .transactions import transaction
from .worker import worker_for

if TYPE_CHECKING:
    from ..config import Settings
    from ..engine.context import RunContext
    from ..engine.events import Attempt, OrchestrationResult
    from ..types import ModelConfig

REQUEST_COLUMNS = (
    "timestamp",
    "strategy",
    "prompt",
    "system",
    "category",
    "tags",
    "conversation_id",
    "demo",
    "status",
    "pid",
    "run_id",
)
ATTEMPT_COLUMNS = (
    "request_id",
    "attempt_no",
    "timestamp",
    "model",
    "provider",
    "status",
    "error",
    "text",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "cost",
    "prices",
    "latency",
    "time_to_first_token",
    "confidence",
    "retries",
    "accepted",
    "demo",
    "cached",
    "estimated",
)


# A request another process closed as interrupted (see `abandoned`) is not closed again, so
# its totals are counted once.
STILL_RUNNING = "status = 'running'"


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


class SQLiteLedger:
    """The engine's `Ledger` port on SQLite. Called by the engine on the store's writer thread
    (`executor`), on its connection."""

    def __init__(self, db: sqlite3.Connection, settings: Settings) -> None:
        worker = worker_for(db)
        self.db = worker.db
        self.executor: Executor | None = worker.executor  # the engine's port says so
        self.settings = settings
        self.request_ids: dict[str, tuple[int, float]] = {}  # run id → (row id, timestamp)
        self.has_budgets = bool(budgets.effective_limits(db, settings))

    def request_started(self, ctx: RunContext) -> None:
        self.has_budgets = bool(budgets.effective_limits(self.db, self.settings))  # may change
        request = ctx.request
        keep = ctx.keeps_text
        started = time.time()
        values = (
            started,
            request.strategy,
            request.prompt if keep else None,
            request.system if keep else None,
            request.category,
            json.dumps(request.tags),
            request.conversation_id,
            int(ctx.engine.demo),
            RequestStatus.RUNNING,
            os.getpid(),
            ctx.run_id,
        )
        cursor = self.db.execute(insert_sql("requests", REQUEST_COLUMNS), values)
        assert cursor.lastrowid is not None  # an INSERT's row
        self.request_ids[ctx.run_id] = (cursor.lastrowid, started)

    def request_id(self, ctx: RunContext) -> int | None:
        kept = self.request_ids.get(ctx.run_id)
        return kept[0] if kept else None

    def reserve(
        self, ctx: RunContext, attempt: Attempt, model: ModelConfig, estimate: float | None
    ) -> str | None:
        if not self.has_budgets:
            return None
        return budgets.reserve(
            self.db,
            self.settings,
            owner(ctx, attempt),
            estimate,
            ctx.engine.demo,
            self.settings.timeouts.total,
        )

    def settle(self, ctx: RunContext, attempt: Attempt, actual: float | None) -> None:
        if actual is not None:
            self.db.execute(
                "UPDATE reservations SET amount = ? WHERE owner = ?", (actual, owner(ctx, attempt))
            )

    def attempt_finished(self, ctx: RunContext, attempt: Attempt) -> None:
        usage = attempt.usage
        request_id = self.request_id(ctx)
        now = time.time()
        values = (
            request_id,
            attempt.attempt_id,
            now,
            attempt.model,
            attempt.provider,
            attempt.status,
            attempt.error,
            attempt.text if ctx.keeps_text else None,
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
            usage.reasoning_tokens,
            attempt.cost,
            json.dumps(attempt.prices),
            attempt.latency,
            attempt.time_to_first_token,
            attempt.confidence,
            attempt.retries,
            int(attempt.accepted),
            int(ctx.engine.demo),
            int(attempt.cached),
            int(attempt.estimated),
        )
        with transaction(self.db):
            self.db.execute(insert_sql("attempts", ATTEMPT_COLUMNS), values)
            rollups.add_attempt(
                self.db,
                now,
                ctx.engine.demo,
                attempt.model,
                attempt.status,
                attempt.cost,
                usage.input_tokens,
                usage.output_tokens,
                attempt.latency,
            )
            # whether budgets exist now or not: one may have been removed since the call's
            # reservation was made, which must not outlive the call
            self.db.execute(
                "DELETE FROM reservations WHERE owner LIKE ?", (attempt_owners(ctx, attempt),)
            )

    def request_finished(
        self, ctx: RunContext, result: OrchestrationResult | None, error: str | None = None
    ) -> None:
        if ctx.run_id not in self.request_ids:
            return
        request_id, started = self.request_ids.pop(ctx.run_id)
        demo, strategy, category = ctx.engine.demo, ctx.request.strategy, ctx.request.category
        if result is None:  # cancelled, or failed with `error`
            cost = sum(a.cost or 0 for a in ctx.attempts)
            status = RequestStatus.CANCELLED if error is None else RequestStatus.FAILED
            with transaction(self.db):
                closed = self.db.execute(
                    "UPDATE requests SET status = ?, error = ?, cost = ?, models = ? "
                    f"WHERE id = ? AND {STILL_RUNNING}",
                    (status, error and ctx.redact(error), cost, model_names(ctx), request_id),
                )
                if closed.rowcount:
                    rollups.add_request(
                        self.db, started, demo, strategy, category, cost, None, 0, 0, False, 0.0
                    )
            return
        values = result_values(ctx, result, ctx.keeps_text)
        with transaction(self.db):
            self.db.execute(
                "UPDATE requests SET response = ?, model_used = ?, provider = ?, models = ?, "
                "input_tokens = ?, output_tokens = ?, cache_read_tokens = ?, "
                "cache_write_tokens = ?, reasoning_tokens = ?, cost = ?, baseline_cost = ?, "
                "latency = ?, confidence = ?, status = ?, error = ?, cached = ?, metadata = ? "
                f"WHERE id = ? AND {STILL_RUNNING}",
                (*values, request_id),
            )
            if self.db.execute("SELECT changes()").fetchone()[0]:
                rollups.add_request(
                    self.db,
                    started,
                    demo,
                    strategy,
                    category,
                    result.cost,
                    values[10],
                    result.input_tokens,
                    result.output_tokens,
                    result.cached,
                    result.latency,
                )
            for attempt in result.attempts:
                if attempt.accepted:
                    self.db.execute(
                        "UPDATE attempts SET accepted = 1 WHERE request_id = ? AND attempt_no = ?",
                        (request_id, attempt.attempt_id),
                    )


def owner(ctx: RunContext, attempt: Attempt) -> str:
    """The reservation of the attempt's current try: each try holds its own, so a retry
    never replaces what an earlier try of the same attempt really cost."""
    return f"{ctx.run_id}:{attempt.attempt_id}:{attempt.retries}"


def attempt_owners(ctx: RunContext, attempt: Attempt) -> str:
    """A LIKE pattern for the reservations of every try of the attempt."""
    return f"{ctx.run_id}:{attempt.attempt_id}:%"


def model_names(ctx: RunContext) -> str:
    return json.dumps([m.name for m in ctx.candidates])


def result_values(ctx: RunContext, result: OrchestrationResult, keep_text: bool) -> tuple[Any, ...]:
    totals = [
        sum(getattr(a.usage, f) for a in result.attempts)
        for f in (
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "reasoning_tokens",
        )
    ]
    return (
        result.response if keep_text else None,
        result.model_used,
        result.provider,
        model_names(ctx),
        *totals,
        result.cost,
        baseline_cost(ctx, result),
        result.latency,
        result.confidence,
        RequestStatus.OK if result.success else RequestStatus.FAILED,
        result.error,
        int(result.cached),
        json.dumps(result.metadata),
    )


def baseline_cost(ctx: RunContext, result: OrchestrationResult) -> float | None:
    """What the accepted answer's tokens would have cost on the dearest candidate model."""
    chosen = next((a for a in result.attempts if a.accepted), None)
    priced = [m for m in ctx.candidates if m.prices.known]
    if chosen is None or chosen.cached or not priced:
        return None
    dearest = max(
        priced, key=lambda m: ((m.prices.input or 0.0) + (m.prices.output or 0.0), m.name)
    )  # known: neither is None
    return compute_cost(chosen.usage, dearest.prices)
