"""The routing strategies. Each takes a RunContext, emits events and returns a result."""

from .cheapest import run_cheapest
from .consensus import run_consensus
from .ensemble import run_ensemble
from .fallback import run_fallback
from .learned import run_learned
from .single import run_single

STRATEGY_RUNNERS = {"single": run_single, "cheapest": run_cheapest,
                    "fallback": run_fallback, "ensemble": run_ensemble,
                    "consensus": run_consensus, "learned": run_learned}
