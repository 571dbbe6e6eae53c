"""The six strategies orch comes with, registered when `engine.strategies` is imported (their
modules are imported on their first run)."""

from __future__ import annotations

from .registry import StrategySpec, register_strategy

POOL = ("chain", "models")  # where the models come from (default: every model, or the chain)

BUILTIN = (
    StrategySpec("single", f"{__package__}.single:run_single",
                 "the one model named with -m", ("model",)),
    StrategySpec("cheapest", f"{__package__}.cheapest:run_cheapest",
                 "the cheapest model whose tier covers the prompt; the next one if a call fails",
                 POOL),
    StrategySpec("fallback", f"{__package__}.fallback:run_fallback",
                 "along a chain, cheapest first, escalating below the confidence threshold",
                 (*POOL, "threshold")),
    StrategySpec("ensemble", f"{__package__}.ensemble:run_ensemble",
                 "several models at once; the best-scored answer wins",
                 (*POOL, "ensemble_size")),
    StrategySpec("consensus", f"{__package__}.consensus:run_consensus",
                 "the chain's cheapest models at once; escalating until answers agree",
                 (*POOL, "consensus_size")),
    StrategySpec("learned", f"{__package__}.learned:run_learned",
                 "the trained router's best predicted quality for the cost",
                 (*POOL, "cost_weight")),
)

for spec in BUILTIN:
    register_strategy(spec)
