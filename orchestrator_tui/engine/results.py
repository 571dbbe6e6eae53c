"""Build the OrchestrationResult of a run from its attempts."""

from __future__ import annotations

from .events import Attempt, OrchestrationResult


def total_cost(attempts: list[Attempt]) -> float | None:
    """What the run cost; None when some call used tokens at an unknown price."""
    if any(a.cost is None for a in attempts):
        return None
    return sum(a.cost for a in attempts)


def build_result(ctx, chosen: Attempt | None, metadata: dict | None = None,
                 ensemble_models: list[str] | None = None, error: str | None = None) -> OrchestrationResult:
    attempts = sorted(ctx.attempts, key=lambda a: a.attempt_id)
    if chosen is not None:
        chosen.accepted = True
    meta = {"threshold": ctx.threshold, "max_tokens": ctx.max_tokens,
            "estimated_input_tokens": ctx.input_tokens, "demo": ctx.engine.demo}
    if ctx.budget.limit is not None:
        meta["budget"] = {"limit": ctx.budget.limit, "spent": round(ctx.budget.spent, 8)}
    if error:
        meta["error"] = error
    meta.update(metadata or {})
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
        ensemble_models=ensemble_models or [],
        metadata=meta,
        success=chosen is not None,
        cached=bool(chosen and chosen.cached),
    )


def failure_summary(attempts: list[Attempt]) -> str:
    """One line: why nothing succeeded."""
    if attempts and all(a.status == "skipped" for a in attempts):
        return "the budget is too small for any call: " + attempts[0].error.removeprefix(
            "skipped by budget: ")
    reasons = [f"{a.model}: {attempt_failure(a)}" for a in attempts if a.error]
    return "every model failed (" + "; ".join(reasons) + ")" if reasons else "no model was called"


def attempt_failure(attempt: Attempt) -> str:
    """Why an attempt gave no answer, e.g. "failed: anthropic answered 529: Overloaded"."""
    return attempt.error if attempt.status == "skipped" else f"{attempt.status}: {attempt.error}"
