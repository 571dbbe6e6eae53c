"""The routing strategies. Each takes a RunContext, emits events and returns a result.

Which strategies exist is the registry's to say (`registry`, where the built-in six are
listed); this package imports none of the runners until one runs.
"""

from .registry import (
    Runner,
    StrategySpec,
    find_strategy,
    register_strategy,
    strategy_names,
    strategy_specs,
    unknown_strategy,
    unregister_strategy,
)

__all__ = [
    "Runner",
    "StrategySpec",
    "find_strategy",
    "register_strategy",
    "strategy_names",
    "strategy_specs",
    "unknown_strategy",
    "unregister_strategy",
]
