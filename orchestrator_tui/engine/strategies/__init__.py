"""The four routing strategies. Each takes a RunContext, emits events and returns a result."""

from .cheapest import run_cheapest
from .ensemble import run_ensemble
from .fallback import run_fallback
from .single import run_single

STRATEGY_RUNNERS = {"single": run_single, "cheapest": run_cheapest,
                    "fallback": run_fallback, "ensemble": run_ensemble}
