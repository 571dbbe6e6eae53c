"""`orch budget` (status, set, clear): the daily and monthly spending limits."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ...formatting import usd
from ..state import STATE

budget_app = typer.Typer(
    help="Daily and monthly spending limits, enforced before each call.",
    invoke_without_command=True,
    rich_markup_mode=None,
)


@budget_app.callback()
def budget(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
):
    """Show each budget: limit, spent, held by calls in flight, left."""
    if ctx.invoked_subcommand is None:
        show_budgets(as_json)


def show_budgets(as_json: bool) -> None:
    from ...store.budgets import budget_states

    settings = STATE.settings()
    real = budget_states(STATE.db(), settings, demo=False)
    demo = budget_states(STATE.db(), settings, demo=True)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        **vars(s),
                        "left": s.left,
                        "share": s.share,
                        "held_share": s.held_share,
                        "demo": d,
                    }
                    for d, states in ((False, real), (True, demo))
                    for s in states
                ],
                indent=2,
            )
        )
        return
    if not real:
        typer.echo("no budget set: orch budget set --daily USD --monthly USD")
    for state in real:
        typer.echo(
            f"{state.period:8} {usd(state.limit)} ({state.source}): spent "
            f"{usd(state.spent)} ({state.share:.0%}){held_text(state)}, "
            f"{usd(state.left)} left"
        )
    for state in demo:
        if state.spent or state.held:
            typer.echo(
                f"{state.period:8} demo provider, kept apart: {usd(state.spent)} of "
                f"{usd(state.limit)} simulated{held_text(state)}"
            )


def held_text(state) -> str:
    """What calls in flight hold: their worst case, released as each one ends."""
    if not state.held:
        return ""
    return f", {usd(state.held)} ({state.held_share:.0%}) held by calls in flight"


@budget_app.command("set")
def set_budget(
    daily: Annotated[float | None, typer.Option(min=0.0, help="USD per day.")] = None,
    monthly: Annotated[float | None, typer.Option(min=0.0, help="USD per month.")] = None,
):
    """Set the daily and/or monthly limit."""
    from ...errors import UsageError
    from ...store.budgets import set_limits

    if daily is None and monthly is None:
        raise UsageError("give --daily USD and/or --monthly USD")
    set_limits(STATE.db(write=True), daily, monthly)
    show_budgets(as_json=False)


@budget_app.command("clear")
def clear_budget():
    """Remove the limits set with `orch budget set` (limits in config.toml stay)."""
    from ...store.budgets import clear_limits

    clear_limits(STATE.db(write=True))
    typer.echo("budgets cleared")
