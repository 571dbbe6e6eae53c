"""The typed events the engine yields, and the records they carry.

Front ends consume these and nothing else: the CLI prints them, the TUI draws them.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from ..types import Usage


@dataclass
class Attempt:
    """One call to one model: what it said, what it used and what it cost."""

    attempt_id: int
    model: str
    provider: str
    status: str = "pending"  # until it ends: ok | error | skipped | cancelled
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
    """What a request produced, with every attempt it took to get there."""

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
    ensemble_models: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)
    success: bool = True
    cached: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in (
            "response", "model_used", "provider", "strategy", "cost", "latency", "confidence",
            "input_tokens", "output_tokens", "ensemble_models", "metadata", "timestamp", "success",
            "cached")}
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
