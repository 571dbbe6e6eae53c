"""`fallback`: along a chain, cheapest first, escalating when an answer's confidence is below
the threshold or a call fails. The best answer seen is kept if none reaches the threshold."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...types import ModelConfig
from ..details import ThresholdOutcome
from ..events import Attempt, OrchestrationResult, RoutingDecided
from ..results import attempt_failure, build_result, failure_summary
from ..status import AttemptStatus
from .escalation import escalate_along

if TYPE_CHECKING:
    from ..context import RunContext


def chain_models(ctx: RunContext) -> tuple[list[ModelConfig], str]:
    """(the models, in order, and where they come from)."""
    request = ctx.request
    if request.models:
        return [ctx.registry.model(name) for name in request.models], "models given"
    name = request.chain or ctx.settings.default_chain
    return ctx.registry.chain(name), f"chain {name}"


def escalation_reason(ctx: RunContext, attempt: Attempt) -> str:
    if attempt.status != AttemptStatus.OK:
        return attempt_failure(attempt)
    explained = ctx.detector.score(ctx.request.prompt, attempt.text).explain()
    return f"confidence {attempt.confidence:.2f} < {ctx.threshold:.2f} ({explained})"


def confident(ctx: RunContext, attempt: Attempt) -> bool:
    return attempt.status == AttemptStatus.OK and (attempt.confidence or 0.0) >= ctx.threshold


def best_answer(attempts: list[Attempt]) -> Attempt | None:
    """The most confident answer; of equally confident ones, the later."""
    best = None
    for attempt in attempts:
        if attempt.status == AttemptStatus.OK and (
            best is None or (attempt.confidence or 0.0) >= (best.confidence or 0.0)
        ):
            best = attempt
    return best


async def run_fallback(ctx: RunContext) -> OrchestrationResult:
    models, source = chain_models(ctx)
    chain = ctx.candidates = ctx.usable_models(models)
    ctx.emit(
        RoutingDecided(
            "fallback",
            [m.name for m in chain],
            [
                f"{source}: {' → '.join(m.name for m in chain)}",
                f"escalate below confidence {ctx.threshold:.2f}",
            ],
        )
    )
    chosen, tried = await escalate_along(
        ctx, chain, lambda a: confident(ctx, a), lambda a: escalation_reason(ctx, a)
    )
    if chosen is not None:
        return build_result(ctx, chosen, ThresholdOutcome(True))
    best = best_answer(tried)
    error = None if best else failure_summary(ctx.attempts)
    return build_result(ctx, best, ThresholdOutcome(False), error=error)
