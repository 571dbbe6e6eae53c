"""`cheapest`: the cheapest model whose tier covers the prompt's level and whose context
window fits it; on a failed call, the next cheapest such model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...types import ModelConfig, tier_rank
from ..cost import expected_cost
from ..details import Routing
from ..events import OrchestrationResult, RoutingDecided
from ..results import build_result, failure_summary
from .escalation import escalate_along

if TYPE_CHECKING:
    from ..context import RunContext


def candidate_pool(ctx: RunContext) -> list[ModelConfig]:
    request = ctx.request
    if request.models:
        return [ctx.registry.model(name) for name in request.models]
    if request.chain:
        return ctx.registry.chain(request.chain)
    return list(ctx.registry.models.values())


def price_key(ctx: RunContext, model: ModelConfig) -> tuple[bool, float, int, str]:
    cost = expected_cost(model, ctx.input_tokens, ctx.max_tokens)
    return (cost is None, cost or 0.0, tier_rank(model.tier), model.name)


def rank_candidates(ctx: RunContext) -> tuple[Any, list[ModelConfig], list[str]]:
    """(analysis, models able to take the prompt, cheapest first, and why)."""
    analysis = ctx.analyzer.analyze(ctx.request.prompt)
    usable = ctx.usable_models(candidate_pool(ctx), announce=False)
    ctx.candidates = usable
    covering = [m for m in usable if m.covers(analysis.level)]
    reasons = list(analysis.reasons)
    if not covering:
        top = max(tier_rank(m.tier) for m in usable)
        covering = [m for m in usable if tier_rank(m.tier) == top]
        reasons.append(f"no usable model covers {analysis.level}: using the most capable tier")
    ranked = sorted(covering, key=lambda m: price_key(ctx, m))
    cost = expected_cost(ranked[0], ctx.input_tokens, ctx.max_tokens)
    shown = "unknown price" if cost is None else f"~${cost:.6f} for a typical answer"
    reasons.append(f"cheapest model covering {analysis.level}: {ranked[0].name} ({shown})")
    return analysis, ranked, reasons


async def run_cheapest(ctx: RunContext) -> OrchestrationResult:
    analysis, ranked, reasons = rank_candidates(ctx)
    ctx.emit(RoutingDecided("cheapest", [ranked[0].name], reasons, analysis.as_dict()))
    routing = Routing(analysis.as_dict())
    chosen, _ = await escalate_along(ctx, ranked)
    if chosen is not None:
        return build_result(ctx, chosen, routing)
    return build_result(ctx, None, routing, error=failure_summary(ctx.attempts))
