"""Build the OrchestrationResult of a run from its attempts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .details import BudgetUse, RunFacts, StrategyDetail
from .events import Attempt, OrchestrationResult
from .status import AttemptStatus

if TYPE_CHECKING:
    from .context import RunContext


def total_cost(attempts: list[Attempt]) -> float | None:
    """What the run cost; None when some call used tokens at an unknown price."""
    costs = [a.cost for a in attempts]
    if any(cost is None for cost in costs):
        return None
    return sum(cost for cost in costs if cost is not None)


def build_result(
    ctx: RunContext,
    chosen: Attempt | None,
    *details: StrategyDetail,
    ensemble_models: list[str] | None = None,
    error: str | None = None,
) -> OrchestrationResult:
    """The result of a run that accepted `chosen` (None: nothing answered, for `error`);
    `details`: what the strategy found, in the order its JSON keys come."""
    attempts = sorted(ctx.attempts, key=lambda a: a.attempt_id)
    if chosen is not None:
        chosen.accepted = True
    return OrchestrationResult(
        response=chosen.text if chosen else "",
        model_used=chosen.model if chosen else None,
        provider=chosen.provider if chosen else None,
        strategy=ctx.request.strategy or ctx.settings.default_strategy,
        cost=total_cost(attempts),
        latency=ctx.clock() - ctx.started,
        confidence=chosen.confidence if chosen else None,
        input_tokens=sum(a.usage.input_tokens for a in attempts),
        output_tokens=sum(a.usage.output_tokens for a in attempts),
        attempts=attempts,
        run=RunFacts(ctx.threshold, ctx.max_tokens, ctx.input_tokens, ctx.engine.demo),
        ensemble_models=ensemble_models or [],
        budget=budget_use(ctx),
        error=error or None,
        details=details,
        escalations=tuple(ctx.escalations),
        success=chosen is not None,
        cached=bool(chosen and chosen.cached),
    )


def budget_use(ctx: RunContext) -> BudgetUse | None:
    limit = ctx.budget.limit
    return None if limit is None else BudgetUse(limit, ctx.budget.spent)


def failure_summary(attempts: list[Attempt]) -> str:
    """One line: why nothing succeeded."""
    if attempts and all(a.status == AttemptStatus.SKIPPED for a in attempts):
        return "the budget is too small for any call: " + (attempts[0].error or "").removeprefix(
            "skipped by budget: "
        )
    reasons = [f"{a.model}: {attempt_failure(a)}" for a in attempts if a.error]
    return "every model failed (" + "; ".join(reasons) + ")" if reasons else "no model was called"


def attempt_failure(attempt: Attempt) -> str:
    """Why an attempt gave no answer, e.g. "failed: anthropic answered 529: Overloaded"."""
    if attempt.status == AttemptStatus.SKIPPED:
        return attempt.error or "skipped"
    return f"{attempt.status}: {attempt.error}"
