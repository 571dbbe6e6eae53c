"""`cheapest`: the cheapest model whose tier covers the prompt's level and whose context
window fits it; on a failed call, the next cheapest such model."""

from __future__ import annotations

from ...types import ModelConfig, tier_rank
from ..call import call_model
from ..cost import expected_cost
from ..events import Escalated, RoutingDecided
from ..results import attempt_failure, build_result, failure_summary


def candidate_pool(ctx) -> list[ModelConfig]:
    request = ctx.request
    if request.models:
        return [ctx.registry.model(name) for name in request.models]
    if request.chain:
        return ctx.registry.chain(request.chain)
    return list(ctx.registry.models.values())


def price_key(ctx, model: ModelConfig):
    cost = expected_cost(model, ctx.input_tokens, ctx.max_tokens)
    return (cost is None, cost or 0.0, tier_rank(model.tier), model.name)


def rank_candidates(ctx):
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


async def run_cheapest(ctx):
    analysis, ranked, reasons = rank_candidates(ctx)
    ctx.emit(RoutingDecided("cheapest", [ranked[0].name], reasons, analysis.as_dict()))
    meta = {"routing": analysis.as_dict()}
    for index, model in enumerate(ranked):
        attempt = await call_model(ctx, model, prepare_next=ranked[index + 1:index + 2])
        if attempt.status == "ok":
            return build_result(ctx, attempt, meta)
        following = ranked[index + 1].name if index + 1 < len(ranked) else None
        ctx.emit(Escalated(model.name, following, attempt_failure(attempt)))
    return build_result(ctx, None, meta, error=failure_summary(ctx.attempts))
