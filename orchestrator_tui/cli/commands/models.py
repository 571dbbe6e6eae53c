"""`orch models` and `orch chains`: the models and chains orch knows."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..state import STATE


def models(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False):
    """List the models orch knows: tiers, prices, batch prices (USD per million tokens)."""
    from ...registry import Registry
    from ..tables import model_record, models_table

    registry = Registry.build(STATE.settings())
    records = [model_record(registry, m) for m in registry.models.values()]
    if as_json:
        typer.echo(json.dumps(records, indent=2))
        return
    header, *rows = models_table(records)
    typer.secho(header, bold=True)
    typer.echo("\n".join(rows))
    source = ", ".join(part for part in (registry.source, registry.source_date) if part)
    typer.secho(f"prices: USD per million tokens, {source}", dim=True)


def chains(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False):
    """List the named chains (cheapest first)."""
    from ...registry import Registry

    registry = Registry.build(STATE.settings())
    if as_json:
        typer.echo(json.dumps(registry.chains, indent=2))
        return
    for name, names in registry.chains.items():
        tiers = [f"{n} [dim]({registry.models[n].tier})[/]" for n in names]
        from rich.console import Console

        Console(highlight=False).print(f"[bold]{name}[/]: " + " → ".join(tiers))
