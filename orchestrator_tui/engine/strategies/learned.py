"""`learned`: the trained router (`orch router train`) predicts each usable model's chance of
a good answer and its cost, and the model with the best predicted score − λ × relative cost
answers; on a failed call, the next best."""

from __future__ import annotations

from ...errors import UsageError
from ..call import call_model
from ..events import Escalated, RoutingDecided
from ..results import attempt_failure, build_result, failure_summary
from .cheapest import candidate_pool


def rank_learned(ctx):
    """(λ in effect, predictions best first, usable models by name); `orch route --learned`
    shows the same ranking."""
    router = ctx.engine.learned_router()
    usable = {m.name: m for m in ctx.usable_models(candidate_pool(ctx), announce=False)}
    lam = router.lam if ctx.request.cost_weight is None else ctx.request.cost_weight
    ranked = router.rank(ctx.request.prompt, list(usable), lam)
    if not ranked:
        known = ", ".join(router.models[:4]) + (", …" if len(router.models) > 4 else "")
        raise UsageError(f"the trained router knows none of the usable models (it was trained "
                         f"on {known}): retrain it with `orch router train`")
    return lam, ranked, usable


async def run_learned(ctx):
    lam, ranked, usable = rank_learned(ctx)
    ctx.candidates = [usable[p.model] for p in ranked]
    top = ranked[0]
    ctx.emit(RoutingDecided("learned", [top.model], [
        f"predicted success {top.success:.2f} at ~${top.cost:.6f} "
        f"(λ = {lam:g}, {len(ranked)} models ranked)"]))
    meta = {"router": {"lambda": lam, "predicted_success": round(top.success, 4)}}
    for index, prediction in enumerate(ranked):
        next_models = [usable[p.model] for p in ranked[index + 1:index + 2]]
        attempt = await call_model(ctx, usable[prediction.model], prepare_next=next_models)
        if attempt.status == "ok":
            return build_result(ctx, attempt, meta)
        following = ranked[index + 1].model if index + 1 < len(ranked) else None
        ctx.emit(Escalated(prediction.model, following, attempt_failure(attempt)))
    return build_result(ctx, None, meta, error=failure_summary(ctx.attempts))
