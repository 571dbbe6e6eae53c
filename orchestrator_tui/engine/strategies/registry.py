"""The one list of strategies: each one's name, runner, one-line description and the Request
options it reads. The engine, the config check, the CLI's `--strategy` help, the TUI's
selector, F4, command palette and help screen all read it; `register_strategy` adds one from
outside the package.

Importing this module imports no runner (the built-in ones are named "module:function" and
imported on their first run) and not even the engine, so that `orch --help` stays fast.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..context import RunContext
    from ..events import OrchestrationResult

Runner = Callable[["RunContext"], Coroutine[Any, Any, "OrchestrationResult"]]
NAME = re.compile(r"[a-z][a-z0-9_-]*")


@dataclass(frozen=True)
class StrategySpec:
    """A strategy. `runner` is an async function of a RunContext that emits the run's events
    and returns its result, or "package.module:function" naming one. `options`: the Request
    fields it reads (e.g. "chain", "threshold"), for help texts. `description`: one line,
    without semicolons (the CLI's help separates strategies with them)."""

    name: str
    runner: Runner | str
    description: str
    options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise ValueError(f"strategy name {self.name!r}: lower-case letters, digits, - and _")

    def load_runner(self) -> Runner:
        """The runner itself, imported now if it was given by name."""
        if not isinstance(self.runner, str):
            return self.runner
        module, _, function = self.runner.partition(":")
        runner: Runner = getattr(importlib.import_module(module), function)
        return runner


_SPECS: dict[str, StrategySpec] = {}


def register_strategy(spec: StrategySpec, *, replace: bool = False) -> StrategySpec:
    """Make `spec` a strategy everywhere; a name already taken is refused unless `replace`,
    and so are options that are no Request field."""
    if spec.name in _SPECS and not replace:
        raise ValueError(f"strategy {spec.name!r} is already registered")
    unknown = set(spec.options) - request_fields()
    if unknown:
        raise ValueError(
            f"strategy {spec.name!r}: {', '.join(sorted(unknown))}: no such Request field"
        )
    _SPECS[spec.name] = spec
    return spec


def unregister_strategy(name: str) -> None:
    """Undo `register_strategy` (e.g. at the end of a test)."""
    _SPECS.pop(name, None)


def strategy_specs() -> tuple[StrategySpec, ...]:
    """Every strategy, in the order registered (the built-in ones first)."""
    return tuple(_SPECS.values())


def strategy_names() -> tuple[str, ...]:
    return tuple(_SPECS)


def find_strategy(name: str) -> StrategySpec | None:
    return _SPECS.get(name)


def unknown_strategy(name: str) -> str:
    """The one-line complaint about a name that is not a strategy."""
    return f"unknown strategy {name!r} (choose from {', '.join(_SPECS)})"


def request_fields() -> set[str]:
    from ..request import Request

    return {f.name for f in fields(Request)}


POOL = ("chain", "models")  # where the models come from (default: every model, or the chain)

BUILTIN = (
    StrategySpec(
        "single", f"{__package__}.single:run_single", "the one model named with -m", ("model",)
    ),
    StrategySpec(
        "cheapest",
        f"{__package__}.cheapest:run_cheapest",
        "the cheapest model whose tier covers the prompt, the next if one fails",
        POOL,
    ),
    StrategySpec(
        "fallback",
        f"{__package__}.fallback:run_fallback",
        "a chain, cheapest first, escalating below the confidence threshold",
        (*POOL, "threshold"),
    ),
    StrategySpec(
        "ensemble",
        f"{__package__}.ensemble:run_ensemble",
        "several models at once, the best-scored answer wins",
        (*POOL, "ensemble_size"),
    ),
    StrategySpec(
        "consensus",
        f"{__package__}.consensus:run_consensus",
        "the chain's cheapest models at once, escalating until answers agree",
        (*POOL, "consensus_size"),
    ),
    StrategySpec(
        "learned",
        f"{__package__}.learned:run_learned",
        "the trained router's best predicted quality for the cost",
        (*POOL, "cost_weight"),
    ),
)
_SPECS.update((spec.name, spec) for spec in BUILTIN)  # their options are checked by a test
