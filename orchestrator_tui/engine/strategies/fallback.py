"""`fallback`: along a chain, cheapest first, escalating when an answer's confidence is below
the threshold or a call fails. The best answer seen is kept if none reaches the threshold."""

from __future__ import annotations

from ..call import call_model
from ..events import Escalated, RoutingDecided
from ..results import attempt_failure, build_result, failure_summary


def chain_models(ctx):
    request = ctx.request
    if request.models:
        return [ctx.registry.model(name) for name in request.models], "models given"
    name = request.chain or ctx.settings.default_chain
    return ctx.registry.chain(name), f"chain {name}"


def escalation_reason(ctx, attempt) -> str:
    if attempt.status != "ok":
        return attempt_failure(attempt)
    explained = ctx.detector.score(ctx.request.prompt, attempt.text).explain()
    return f"confidence {attempt.confidence:.2f} < {ctx.threshold:.2f} ({explained})"


async def run_fallback(ctx):
    models, source = chain_models(ctx)
    chain = ctx.candidates = ctx.usable_models(models)
    ctx.emit(RoutingDecided("fallback", [m.name for m in chain],
                            [f"{source}: {' → '.join(m.name for m in chain)}",
                             f"escalate below confidence {ctx.threshold:.2f}"]))
    best = None
    for index, model in enumerate(chain):
        attempt = await call_model(ctx, model, prepare_next=chain[index + 1:index + 2])
        if attempt.status == "ok":
            if best is None or attempt.confidence >= best.confidence:
                best = attempt
            if attempt.confidence >= ctx.threshold:
                return build_result(ctx, attempt, {"threshold_met": True})
        following = chain[index + 1].name if index + 1 < len(chain) else None
        ctx.emit(Escalated(model.name, following, escalation_reason(ctx, attempt)))
    error = None if best else failure_summary(ctx.attempts)
    return build_result(ctx, best, {"threshold_met": False}, error=error)
