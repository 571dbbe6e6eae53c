"""`consensus`: a cascade that trusts agreement. The chain's first k (cheapest) models answer
at once; if they all say the same, the cheapest's answer is accepted. Otherwise the chain's
next model is asked, and its answer is accepted as soon as it agrees with an earlier one, or
when it is the last model of the chain."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...heuristics.synthesis import same_answer
from ...types import ModelConfig
from ..call import call_model
from ..details import Agreement
from ..events import Attempt, OrchestrationResult, RoutingDecided
from ..results import build_result, failure_summary
from ..status import AttemptStatus
from ..tasks import run_all
from .fallback import chain_models

if TYPE_CHECKING:
    from ..context import RunContext


async def run_consensus(ctx: RunContext) -> OrchestrationResult:
    models, source = chain_models(ctx)
    chain = ctx.candidates = ctx.usable_models(models)
    size = min(ctx.request.consensus_size or ctx.settings.consensus_size, len(chain))
    first, rest = chain[:size], chain[size:]
    ctx.emit(
        RoutingDecided(
            "consensus",
            [m.name for m in first],
            [
                f"{source}: {', '.join(m.name for m in first)} at once; accepted if all agree",
                f"otherwise escalate along {' → '.join(m.name for m in rest) or 'nothing'}",
            ],
        )
    )
    await ctx.warm(first)
    answered = [
        a for a in await run_all(call_model(ctx, m) for m in first) if a.status == AttemptStatus.OK
    ]
    if len(answered) == size and all(same_answer(answered[0].text, a.text) for a in answered):
        return build_result(ctx, answered[0], Agreement(size, 0))
    return await escalate_to_agreement(ctx, answered, first[-1], rest)


async def escalate_to_agreement(
    ctx: RunContext, answered: list[Attempt], previous: ModelConfig, rest: list[ModelConfig]
) -> OrchestrationResult:
    """Ask the rest of the chain in turn until an answer agrees with an earlier one."""
    last = previous.name
    for index, model in enumerate(rest):
        ctx.escalate(last, model.name, disagreement(answered))
        attempt = await call_model(ctx, model, prepare_next=rest[index + 1 : index + 2])
        last = model.name
        if attempt.status != AttemptStatus.OK:
            continue
        agreeing = [a for a in answered if same_answer(a.text, attempt.text)]
        answered.append(attempt)
        if agreeing or index == len(rest) - 1:
            return build_result(ctx, attempt, Agreement(len(agreeing) + 1, index + 1))
    if answered:  # the chain's last model failed: the most confident earlier answer
        best = max(answered, key=lambda a: a.confidence or 0.0)
        return build_result(ctx, best, Agreement(1, len(rest)))
    return build_result(ctx, None, error=failure_summary(ctx.attempts))


def disagreement(answered: list[Attempt]) -> str:
    if not answered:
        return "no answer yet"
    return "no agreement among " + ", ".join(a.model for a in answered)
