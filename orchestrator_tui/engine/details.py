"""What a run adds to its result beyond the answer: the settings it ran with, its budget, and
what its strategy found (ensemble scores and consensus, whether fallback's threshold was met,
consensus agreement, the learned router's choice, the analysis `cheapest` routed on).

Typed and frozen; front ends read these fields. Each one also knows the keys it contributes
to the result's JSON `metadata`, which keeps the shape it has always had.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol


class StrategyDetail(Protocol):
    """Something a strategy adds to its result: any frozen dataclass with `to_metadata`."""

    def to_metadata(self) -> dict[str, Any]:
        """The keys (and JSON-ready values) it adds to the result's `metadata`."""
        ...


@dataclass(frozen=True)
class RunFacts:
    """The settings a run was resolved to."""

    threshold: float
    max_tokens: int
    estimated_input_tokens: int
    demo: bool

    def to_metadata(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BudgetUse:
    """The run's own budget (`max_cost`): its limit and what the run spent of it."""

    limit: float
    spent: float

    def to_metadata(self) -> dict[str, Any]:
        return {"budget": {"limit": self.limit, "spent": round(self.spent, 8)}}


@dataclass(frozen=True)
class Routing:
    """`cheapest`: the analysis of the prompt it routed on (the analyzer's `as_dict()`)."""

    analysis: Mapping[str, Any]

    def to_metadata(self) -> dict[str, Any]:
        return {"routing": dict(self.analysis)}


@dataclass(frozen=True)
class ThresholdOutcome:
    """`fallback`: whether an answer reached the confidence threshold (if not, the best
    answer seen was kept)."""

    met: bool

    def to_metadata(self) -> dict[str, Any]:
        return {"threshold_met": self.met}


@dataclass(frozen=True)
class Agreement:
    """`consensus`: how many models gave the accepted answer, after how many escalations."""

    agreed: int
    escalations: int

    def to_metadata(self) -> dict[str, Any]:
        return {"agreement": {"agreed": self.agreed, "escalations": self.escalations}}


@dataclass(frozen=True)
class MemberScore:
    """One ensemble member's answer as synthesis scored it."""

    index: int  # position among the members that answered
    model: str
    score: float
    confidence: float
    tier_score: float
    completeness: float
    agreement: float
    attempt_id: int


@dataclass(frozen=True)
class EnsembleVerdict:
    """`ensemble`: the consensus between the answers, and each answer's score, best first."""

    level: str
    agreement: float
    scores: tuple[MemberScore, ...]

    def score_of(self, attempt_id: int) -> MemberScore | None:
        return next((s for s in self.scores if s.attempt_id == attempt_id), None)

    def to_metadata(self) -> dict[str, Any]:
        return {
            "consensus": {"level": self.level, "agreement": self.agreement},
            "scores": [asdict(s) for s in self.scores],
        }


@dataclass(frozen=True)
class RouterChoice:
    """`learned`: the cost weight λ in effect and the chosen model's predicted success."""

    lam: float
    predicted_success: float

    def to_metadata(self) -> dict[str, Any]:
        return {
            "router": {"lambda": self.lam, "predicted_success": round(self.predicted_success, 4)}
        }
