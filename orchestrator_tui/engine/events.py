"""The typed events the engine yields, and the records they carry.

Front ends consume these and nothing else: the CLI prints them, the TUI draws them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from ..types import Usage
from .details import BudgetUse, RunFacts, StrategyDetail
from .status import AttemptStatus, RequestStatus

DetailT = TypeVar("DetailT")


@dataclass
class Attempt:
    """One call to one model: what it said, what it used and what it cost."""

    attempt_id: int
    model: str
    provider: str
    status: AttemptStatus = AttemptStatus.PENDING
    text: str = ""
    usage: Usage = field(default_factory=Usage)
    cost: float | None = 0.0
    prices: dict[str, float | None] = field(default_factory=dict)
    latency: float = 0.0
    time_to_first_token: float | None = None
    confidence: float | None = None
    error: str | None = None
    retries: int = 0
    accepted: bool = False
    stop_reason: str | None = None
    cached: bool = False
    estimated: bool = False  # the usage (and so the cost) is orch's estimate: a call cut short

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(self.usage.as_dict())
        del data["usage"]
        return data


@dataclass
class OrchestrationResult:
    """What a request produced, with every attempt it took to get there.

    `run`, `budget`, `error`, `details` (what the strategy found), `escalations` and
    `history_id` are typed; `metadata` is their JSON form, made when asked for.
    """

    response: str
    model_used: str | None
    provider: str | None
    strategy: str
    cost: float | None
    latency: float
    confidence: float | None
    input_tokens: int
    output_tokens: int
    attempts: list[Attempt]
    run: RunFacts
    ensemble_models: list[str] = field(default_factory=list)
    budget: BudgetUse | None = None  # the run's own limit (max_cost), if it had one
    error: str | None = None  # why nothing answered, in one line
    details: tuple[StrategyDetail, ...] = ()
    escalations: tuple[Escalated, ...] = ()  # as they were announced, in order
    history_id: int | None = None  # the request's row in the history, once recorded
    timestamp: float = field(default_factory=time.time)
    success: bool = True
    cached: bool = False

    @property
    def status(self) -> RequestStatus:
        """OK; SKIPPED when the budget was too small for every call; FAILED otherwise."""
        if self.success:
            return RequestStatus.OK
        if self.attempts and all(a.status == AttemptStatus.SKIPPED for a in self.attempts):
            return RequestStatus.SKIPPED
        return RequestStatus.FAILED

    def detail(self, kind: type[DetailT]) -> DetailT | None:
        """The strategy's detail of type `kind` (e.g. EnsembleVerdict), or None."""
        return next((d for d in self.details if isinstance(d, kind)), None)

    @property
    def metadata(self) -> dict[str, Any]:
        """The typed fields as the JSON `metadata` object (the same keys, in the same order,
        as before they were typed)."""
        data = self.run.to_metadata()
        if self.budget is not None:
            data.update(self.budget.to_metadata())
        if self.error:
            data["error"] = self.error
        for detail in self.details:
            data.update(detail.to_metadata())
        if self.history_id is not None:
            data["history_id"] = self.history_id
        return data

    def to_dict(self) -> dict[str, Any]:
        data = {
            k: getattr(self, k)
            for k in (
                "response",
                "model_used",
                "provider",
                "strategy",
                "cost",
                "latency",
                "confidence",
                "input_tokens",
                "output_tokens",
                "ensemble_models",
                "metadata",
                "timestamp",
                "success",
                "cached",
            )
        }
        data["attempts"] = [a.to_dict() for a in self.attempts]
        return data


@dataclass(frozen=True)
class Event:
    """Base class of everything the engine yields."""


@dataclass(frozen=True)
class RoutingDecided(Event):
    strategy: str
    models: list[str]
    reasons: list[str]
    analysis: dict[str, Any] | None = None


@dataclass(frozen=True)
class Note(Event):
    """Something the user should know that is not an error: a skipped model, demo mode."""

    message: str


@dataclass(frozen=True)
class AttemptStarted(Event):
    attempt_id: int
    model: str
    provider: str


@dataclass(frozen=True)
class TextDelta(Event):
    attempt_id: int
    model: str
    text: str


@dataclass(frozen=True)
class RetryScheduled(Event):
    """The attempt failed and will start over after `wait` seconds; its text so far is void."""

    attempt_id: int
    model: str
    retry_number: int
    wait: float
    reason: str


@dataclass(frozen=True)
class RateLimitWait(Event):
    attempt_id: int
    model: str
    wait: float


@dataclass(frozen=True)
class AttemptFinished(Event):
    attempt: Attempt


@dataclass(frozen=True)
class Escalated(Event):
    from_model: str
    to_model: str | None
    reason: str


@dataclass(frozen=True)
class BudgetRefused(Event):
    model: str
    reason: str
    estimate: float | None
    remaining: float


@dataclass(frozen=True)
class ResultReady(Event):
    result: OrchestrationResult
