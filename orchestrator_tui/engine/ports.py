"""The engine's storage ports: what it asks of a history ledger and of a response cache.

The engine calls a ledger as a run starts, before and after every call, and as each attempt
and the run end; it asks a cache before a call and fills it after one. It knows only these
`typing.Protocol`s, so it stays free of storage code: the store implements them on SQLite
(`store.ledger.SQLiteLedger`, `store.cache.SQLiteCache`), and `NoLedger`/`NoCache` keep
nothing. Every method but `request_id` is called through `Engine.offload`: on the
implementation's `executor` when it has one (the store's single writer thread), else inline.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..types import ModelConfig
    from .context import RunContext
    from .events import Attempt, OrchestrationResult


class Ledger(Protocol):
    """History and persistent budgets."""

    executor: Executor | None
    has_budgets: bool  # persistent budgets exist (checked as each run starts): without them,
    # `reserve` does nothing and the engine does not call it, nor `settle` for that call

    def request_started(self, ctx: RunContext) -> None:
        """A run begins (ctx.request, ctx.run_id)."""

    def request_id(self, ctx: RunContext) -> int | None:
        """The run's id in the history (for `orch rate`), if it is kept."""

    def reserve(
        self, ctx: RunContext, attempt: Attempt, model: ModelConfig, estimate: float | None
    ) -> str | None:
        """Hold `estimate` USD for one call; return why it cannot be made, or None."""

    def settle(self, ctx: RunContext, attempt: Attempt, actual: float | None) -> None:
        """The call ended and really cost `actual` (None: unknown)."""

    def attempt_finished(self, ctx: RunContext, attempt: Attempt) -> None:
        """An attempt ended (any status); what it cost must now be kept."""

    def request_finished(
        self, ctx: RunContext, result: OrchestrationResult | None, error: str | None = None
    ) -> None:
        """The run ended with `result`; or without one: cancelled, or failed with `error`
        (an OrchError the strategy raised, such as no trained router)."""


class Cache(Protocol):
    """The exact-match response cache."""

    executor: Executor | None

    def get(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """(text, usage dict) for a fresh entry, or None."""

    def put(self, key: str, model: str, provider: str, text: str, usage: dict[str, Any]) -> None:
        """Keep a finished answer."""


class NoLedger:
    """The ledger that keeps nothing: no history, no persistent budget."""

    executor: Executor | None = None
    has_budgets = False

    def request_started(self, ctx: RunContext) -> None:
        pass

    def request_id(self, ctx: RunContext) -> int | None:
        return None

    def reserve(
        self, ctx: RunContext, attempt: Attempt, model: ModelConfig, estimate: float | None
    ) -> str | None:
        return None

    def settle(self, ctx: RunContext, attempt: Attempt, actual: float | None) -> None:
        pass

    def attempt_finished(self, ctx: RunContext, attempt: Attempt) -> None:
        pass

    def request_finished(
        self, ctx: RunContext, result: OrchestrationResult | None, error: str | None = None
    ) -> None:
        pass


class NoCache:
    """The cache that keeps nothing."""

    executor: Executor | None = None

    def get(self, key: str) -> tuple[str, dict[str, Any]] | None:
        return None

    def put(self, key: str, model: str, provider: str, text: str, usage: dict[str, Any]) -> None:
        pass
