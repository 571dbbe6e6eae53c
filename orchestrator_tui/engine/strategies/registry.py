"""The one list of strategies: each one's name, runner, one-line description and the Request
options it reads. The engine, the config check, the CLI's `--strategy` help, the TUI's
selector, F4, command palette and help screen all read it; `register_strategy` adds one from
outside the package.

Importing this module imports no runner: a spec may name its runner as "module:function",
imported on the first run, so that `orch ask --help` stays fast.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import RunContext
    from ..events import OrchestrationResult

Runner = Callable[["RunContext"], Awaitable["OrchestrationResult"]]
NAME = re.compile(r"[a-z][a-z0-9_-]*")


@dataclass(frozen=True)
class StrategySpec:
    """A strategy. `runner` is an async function of a RunContext that emits the run's events
    and returns its result, or "package.module:function" naming one. `options`: the Request
    fields it reads (e.g. "chain", "threshold"), for help texts."""

    name: str
    runner: Runner | str
    description: str
    options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise ValueError(f"strategy name {self.name!r}: lower-case letters, digits, - and _")
        unknown = set(self.options) - request_fields()
        if unknown:
            raise ValueError(f"strategy {self.name}: {', '.join(sorted(unknown))} is no Request "
                             "field")

    def load_runner(self) -> Runner:
        """The runner itself, imported now if it was given by name."""
        if not isinstance(self.runner, str):
            return self.runner
        module, _, function = self.runner.partition(":")
        runner: Runner = getattr(importlib.import_module(module), function)
        return runner


_SPECS: dict[str, StrategySpec] = {}


def register_strategy(spec: StrategySpec, *, replace: bool = False) -> StrategySpec:
    """Make `spec` a strategy everywhere; a name already taken is refused unless `replace`."""
    if spec.name in _SPECS and not replace:
        raise ValueError(f"strategy {spec.name!r} is already registered")
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
