"""The strategies as rounds of provider batches, on the engine's own heuristics.

`round_models` says which models a prompt is sent to in a round: `single`, `cheapest` and
`learned` choose one model before round 1 and have no other round; `ensemble` sends every
member in round 1; `fallback` sends the chain's first model, and each later round the next
one; `consensus` sends the chain's first k at once, then one more model a round.

`decide` looks at a prompt's answers so far: it accepts one (a `Verdict`, with the same
details the live strategy gives), or asks for the next round's models. Confidence and
agreement are the engine's: fallback's `confident` and `best_answer`, the synthesis'
`same_answer`, the ensemble's `judge`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..engine.context import RunContext
from ..engine.cost import expected_cost
from ..engine.details import Agreement, RouterChoice, Routing, ThresholdOutcome
from ..engine.events import Attempt
from ..engine.results import failure_summary
from ..engine.status import AttemptStatus
from ..engine.strategies.cheapest import rank_candidates
from ..engine.strategies.ensemble import ensemble_members, judge
from ..engine.strategies.fallback import best_answer, chain_models, confident, escalation_reason
from ..errors import UsageError
from ..heuristics.synthesis import same_answer
from ..types import ModelConfig

Batchable = Callable[[ModelConfig], bool]


@dataclass
class Verdict:
    """A prompt's final answer (None: nothing answered, for `error`)."""

    chosen: Attempt | None
    details: tuple[Any, ...] = ()
    error: str | None = None
    ensemble_models: list[str] = field(default_factory=list)


def round_models(ctx: RunContext, round_no: int, batchable: Batchable) -> list[ModelConfig]:
    """The models a prompt goes to in round `round_no` (none: it has no such round)."""
    strategy = ctx.request.strategy
    if strategy in ("single", "cheapest", "learned", "ensemble") and round_no > 1:
        return []
    if strategy == "single":
        if not ctx.request.model:
            raise UsageError("the single strategy needs a model: -m MODEL")
        return ctx.usable_models([ctx.registry.model(ctx.request.model)], announce=False)
    if strategy == "cheapest":
        return first_batchable(cheapest_at_batch_prices(ctx), batchable)
    if strategy == "learned":
        return first_batchable(learned_ranking(ctx), batchable)
    if strategy == "ensemble":
        return ensemble_members(ctx)[0]
    if strategy in ("fallback", "consensus"):
        chain = ctx.usable_models(chain_models(ctx)[0], announce=False)
        return chain_round(ctx, chain, round_no)
    raise UsageError(f"the {strategy} strategy cannot run as provider batches")


def chain_round(ctx: RunContext, chain: list[ModelConfig], round_no: int) -> list[ModelConfig]:
    if ctx.request.strategy == "fallback":
        return chain[round_no - 1 : round_no]
    size = consensus_size(ctx, chain)
    if round_no == 1:
        return chain[:size]
    index = size + round_no - 2
    return chain[index : index + 1]


def consensus_size(ctx: RunContext, chain: list[ModelConfig]) -> int:
    return min(ctx.request.consensus_size or ctx.settings.consensus_size, len(chain))


def cheapest_at_batch_prices(ctx: RunContext) -> list[ModelConfig]:
    """`cheapest`'s models covering the prompt, ranked by their batch prices."""
    _, ranked, _ = rank_candidates(ctx)

    def key(model: ModelConfig) -> tuple[bool, float, str]:
        cost = expected_cost(model, ctx.input_tokens, ctx.max_tokens, batch=True)
        return (cost is None, cost or 0.0, model.name)

    return sorted(ranked, key=key)


def learned_ranking(ctx: RunContext) -> list[ModelConfig]:
    from ..engine.strategies.learned import rank_learned

    _, ranked, usable = rank_learned(ctx)
    return [usable[prediction.model] for prediction in ranked]


def learned_choice(ctx: RunContext, model: str) -> tuple[Any, ...]:
    """The live strategy's detail: λ and the chosen model's predicted success (none when the
    router no longer ranks the model it chose then)."""
    from ..engine.strategies.learned import rank_learned

    try:
        lam, ranked, _ = rank_learned(ctx)
    except UsageError:
        return ()
    chosen = next((p for p in ranked if p.model == model), None)
    return () if chosen is None else (RouterChoice(lam, chosen.success),)


def first_batchable(models: list[ModelConfig], batchable: Batchable) -> list[ModelConfig]:
    chosen = next((m for m in models if batchable(m)), None)
    if chosen is None:
        raise UsageError("no model able to take the prompt has a provider with a batch API")
    return [chosen]


def ok(attempt: Attempt) -> bool:
    return attempt.status == AttemptStatus.OK


def decide(
    ctx: RunContext, rounds: list[list[Attempt]], batchable: Batchable, go_on: bool = True
) -> Verdict | list[ModelConfig]:
    """The prompt's verdict after `rounds`, or the models of its next round (only when
    `go_on`: a budget that cannot hold another round ends it with what it has)."""
    strategy = ctx.request.strategy
    following = round_models(ctx, len(rounds) + 1, batchable) if go_on else []
    if strategy == "fallback":
        return decide_fallback(ctx, rounds, following)
    if strategy == "consensus":
        return decide_consensus(rounds, following)
    if strategy == "ensemble":
        return decide_ensemble(ctx, rounds[0])
    attempt = rounds[0][0]
    details: tuple[Any, ...] = ()
    if strategy == "cheapest":
        details = (Routing(ctx.analyzer.analyze(ctx.request.prompt).as_dict()),)
    if strategy == "learned":
        details = learned_choice(ctx, attempt.model)
    if ok(attempt):
        return Verdict(attempt, details)
    return Verdict(None, details, failure_summary([attempt]))


def decide_fallback(
    ctx: RunContext, rounds: list[list[Attempt]], following: list[ModelConfig]
) -> Verdict | list[ModelConfig]:
    attempts = [attempt for each in rounds for attempt in each]
    last = attempts[-1]
    if not confident(ctx, last) and following:
        return following
    for earlier, later in itertools.pairwise(attempts):
        ctx.escalate(earlier.model, later.model, escalation_reason(ctx, earlier))
    if confident(ctx, last):
        return Verdict(last, (ThresholdOutcome(True),))
    best = best_answer(attempts)
    error = None if best else failure_summary(attempts)
    return Verdict(best, (ThresholdOutcome(False),), error)


def decide_consensus(
    rounds: list[list[Attempt]], following: list[ModelConfig]
) -> Verdict | list[ModelConfig]:
    first = [a for a in rounds[0] if ok(a)]
    earlier = [a for each in rounds[:-1] for a in each if ok(a)]
    escalations = len(rounds) - 1
    if len(rounds) == 1:
        if len(first) == len(rounds[0]) and all(same_answer(first[0].text, a.text) for a in first):
            return Verdict(first[0], (Agreement(len(first), 0),))
    else:
        newest = rounds[-1][0]
        agreeing = [a for a in earlier if ok(newest) and same_answer(a.text, newest.text)]
        if agreeing or (ok(newest) and not following):
            return Verdict(newest, (Agreement(len(agreeing) + 1, escalations),))
    if following:
        return following
    answered = [a for each in rounds for a in each if ok(a)]
    if answered:
        best = max(answered, key=lambda a: a.confidence or 0.0)
        return Verdict(best, (Agreement(1, escalations),))
    return Verdict(None, (), failure_summary([a for each in rounds for a in each]))


def decide_ensemble(ctx: RunContext, members: list[Attempt]) -> Verdict:
    names = [a.model for a in members]
    answered = [(ctx.registry.model(a.model), a) for a in members if ok(a)]
    if not answered:
        return Verdict(None, (), failure_summary(members), names)
    winner, verdict = judge(answered)
    return Verdict(winner, (verdict,), None, names)
