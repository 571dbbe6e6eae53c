"""`learned`: the trained router (`orch router train`) predicts each usable model's chance of
a good answer and its cost, and the model with the best predicted score − λ × relative cost
answers; on a failed call, the next best."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import UsageError
from ...types import ModelConfig
from ..details import RouterChoice
from ..events import OrchestrationResult, RoutingDecided
from ..results import build_result, failure_summary
from .cheapest import candidate_pool
from .escalation import escalate_along

if TYPE_CHECKING:
    from ...learned.model import Prediction
    from ..context import RunContext


def rank_learned(ctx: RunContext) -> tuple[float, list[Prediction], dict[str, ModelConfig]]:
    """(λ in effect, predictions best first, usable models by name); `orch route --learned`
    shows the same ranking."""
    router = ctx.engine.learned_router()
    usable = {m.name: m for m in ctx.usable_models(candidate_pool(ctx), announce=False)}
    lam = router.lam if ctx.request.cost_weight is None else ctx.request.cost_weight
    ranked = router.rank(ctx.request.prompt, list(usable), lam)
    if not ranked:
        known = ", ".join(router.models[:4]) + (", …" if len(router.models) > 4 else "")
        raise UsageError(
            f"the trained router knows none of the usable models (it was trained "
            f"on {known}): retrain it with `orch router train`"
        )
    return lam, ranked, usable


async def run_learned(ctx: RunContext) -> OrchestrationResult:
    lam, ranked, usable = rank_learned(ctx)
    ctx.candidates = [usable[p.model] for p in ranked]
    top = ranked[0]
    ctx.emit(
        RoutingDecided(
            "learned",
            [top.model],
            [
                (
                    f"predicted success {top.success:.2f} at ~${top.cost:.6f} "
                    f"(λ = {lam:g}, {len(ranked)} models ranked)"
                )
            ],
        )
    )
    choice = RouterChoice(lam, top.success)
    chosen, _ = await escalate_along(ctx, ctx.candidates)
    if chosen is not None:
        return build_result(ctx, chosen, choice)
    return build_result(ctx, None, choice, error=failure_summary(ctx.attempts))
