"""`ensemble`: several models at once (wall time = the slowest member), then synthesis:
each answer scored, the best one chosen, and the consensus between them measured."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from ...heuristics.synthesis import Candidate, consensus_level, synthesize_responses
from ...types import ModelConfig
from ..call import call_model
from ..details import EnsembleVerdict, MemberScore
from ..events import Attempt, OrchestrationResult, RoutingDecided
from ..results import build_result, failure_summary
from ..status import AttemptStatus
from ..tasks import run_all

if TYPE_CHECKING:
    from ..context import RunContext


def ensemble_members(ctx: RunContext) -> tuple[list[ModelConfig], str]:
    """(the members, and where they come from)."""
    request = ctx.request
    if request.models:
        return ctx.usable_models([ctx.registry.model(n) for n in request.models]), "models given"
    name = request.chain or ctx.settings.default_chain
    size = request.ensemble_size or ctx.settings.ensemble_size
    return ctx.usable_models(ctx.registry.chain(name))[:size], f"first {size} of chain {name}"


async def run_ensemble(ctx: RunContext) -> OrchestrationResult:
    members, source = ensemble_members(ctx)
    ctx.candidates = members
    names = [m.name for m in members]
    ctx.emit(RoutingDecided("ensemble", names, [f"{source}: {', '.join(names)}"]))
    await ctx.warm(members)
    attempts = await run_all(call_model(ctx, m) for m in members)
    answered = [
        (m, a) for m, a in zip(members, attempts, strict=True) if a.status == AttemptStatus.OK
    ]
    if not answered:
        return build_result(ctx, None, ensemble_models=names, error=failure_summary(attempts))
    winner, verdict = judge(answered)
    return build_result(ctx, winner, verdict, ensemble_models=names)


def judge(answered: list[tuple[ModelConfig, Attempt]]) -> tuple[Attempt, EnsembleVerdict]:
    """The best-scored answer, and the verdict on them all."""
    scored, agreement = synthesize_responses(
        [Candidate(m.name, m.tier, a.text, a.confidence or 0.0) for m, a in answered]
    )
    scores = tuple(
        MemberScore(**asdict(s), attempt_id=answered[s.index][1].attempt_id) for s in scored
    )
    verdict = EnsembleVerdict(*consensus_of(agreement, len(answered)), scores)
    return answered[scored[0].index][1], verdict


def consensus_of(agreement: float, answers: int) -> tuple[str, float]:
    """(level, agreement): "none" and 0 for a single answer, which has nothing to agree
    with (synthesis calls the agreement of no pair 1.0)."""
    if answers < 2:
        return "none", 0.0
    return consensus_level(agreement), agreement
