"""What the engine tells the outside world about money: the ledger interface.

The engine calls a ledger as a run starts, before and after every call, and as each attempt
and the run end. The CLI and TUI pass the SQLite ledger (history, persistent budgets); the
engine itself only knows this interface, so it stays free of storage code.
"""

from __future__ import annotations


class Ledger:
    """The do-nothing ledger: no history, no persistent budget.

    The engine calls every method but `request_id` through `Engine.offload`: on the
    `executor` when there is one (a storage ledger's single writer thread), else inline."""

    executor = None

    def request_started(self, ctx) -> None:
        """A run begins (ctx.request, ctx.run_id)."""

    def request_id(self, ctx) -> int | None:
        """The run's id in the history (for `orch rate`), if it is kept."""
        return None

    def reserve(self, ctx, attempt, model, estimate: float | None) -> str | None:
        """Hold `estimate` USD for one call; return why it cannot be made, or None."""
        return None

    def settle(self, ctx, attempt, actual: float | None) -> None:
        """The call ended and really cost `actual` (None: unknown)."""

    def attempt_finished(self, ctx, attempt) -> None:
        """An attempt ended (any status); what it cost must now be kept."""

    def request_finished(self, ctx, result) -> None:
        """The run ended with `result`, or None when it was cancelled or failed."""


class Cache:
    """The do-nothing response cache (called like the Ledger, through its `executor`)."""

    executor = None

    def get(self, key: str):
        """(text, usage dict) for a fresh entry, or None."""
        return None

    def put(self, key: str, model: str, provider: str, text: str, usage: dict) -> None:
        """Keep a finished answer."""
