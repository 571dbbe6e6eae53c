"""Options shared by `orch ask` and `orch batch`: the routing and call parameters.

`Strategy` is made each time it is read (see `__getattr__`): typer reads the commands'
annotations whenever it builds the CLI, so `--help` lists every strategy registered by then.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

Opt = typer.Option

CostWeight = Annotated[
    float | None,
    Opt(
        "--cost-weight",
        min=0.0,
        help="learned: λ, how much cost counts against predicted "
        "quality [default: the trained router's].",
    ),
]
MaxCost = Annotated[float | None, Opt("-c", "--max-cost", help="Budget in USD.")]
Chain = Annotated[str | None, Opt(help="A named chain or a comma list of models.")]
EnsembleSize = Annotated[
    int | None, Opt("-e", "--ensemble-size", min=1, help="Ensemble members [default: 3].")
]
Models = Annotated[str | None, Opt(help="Comma list of models (ensemble members, chain or pool).")]
Model = Annotated[str | None, Opt("-m", "--model", help="The model for `single`.")]
Threshold = Annotated[
    float | None,
    Opt(min=0.0, max=1.0, help="Confidence below which fallback escalates [default: 0.6]."),
]
System = Annotated[str | None, Opt(help="System prompt.")]
MaxTokens = Annotated[int | None, Opt(min=1, help="Most output tokens per call [default: 2048].")]
Temperature = Annotated[
    float | None,
    Opt(
        min=0.0,
        max=2.0,
        help="Sampling temperature; a model that takes none (Anthropic, reasoning models) "
        "says so in a note.",
    ),
]
Demo = Annotated[bool | None, Opt("--demo/--no-demo", help="Force the demo provider on or off.")]
Verbose = Annotated[
    bool, Opt("-v", "--verbose", help="Show routing reasons; tracebacks on errors.")
]
Category = Annotated[str | None, Opt(help="Category for history and reports.")]
Tags = Annotated[list[str] | None, Opt("--tag", help="Tag for history (repeatable).")]
NoLog = Annotated[bool, Opt("--no-log", help="Keep cost and tokens in history, not the text.")]
NoCache = Annotated[bool, Opt("--no-cache", help="Do not answer from, or add to, the cache.")]
AsJson = Annotated[bool, Opt("--json", help="Print only JSON on stdout.")]


def strategy_option() -> Any:
    """The `-s/--strategy` option, its help naming and describing every registered strategy
    (an unknown name is refused by the engine, in one line, before any call)."""
    from ..engine.strategies import strategy_specs

    listed = "; ".join(f"{spec.name}: {spec.description}" for spec in strategy_specs())
    return Annotated[
        str | None,
        Opt("-s", "--strategy", help=f"How to route: {listed} [default: fallback; single with -m]"),
    ]


def __getattr__(name: str) -> Any:
    if name == "Strategy":
        return strategy_option()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
