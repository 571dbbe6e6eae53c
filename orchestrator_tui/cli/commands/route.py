"""`orch route`: where a prompt would go, and why, without calling any model."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from .. import options as o
from ..state import STATE


def route(
    prompt: Annotated[
        str, typer.Argument(help="The prompt to analyse (no call is made); - reads it from stdin.")
    ],
    chain: Annotated[str | None, typer.Option(help="Choose only from this chain.")] = None,
    max_tokens: Annotated[int | None, typer.Option(min=1)] = None,
    demo: Annotated[bool | None, typer.Option("--demo/--no-demo")] = None,
    learned: Annotated[
        bool, typer.Option("--learned", help="Show the trained router's ranking instead.")
    ] = False,
    cost_weight: o.CostWeight = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
):
    """Dry run: the prompt's level and task types, and the model `cheapest` would pick (or,
    with --learned, the trained router's predictions)."""
    from ...frontend import request_from_options
    from ...textfiles import check_utf8, decode_utf8

    if prompt == "-":  # a long prompt does not fit in one argument
        prompt = decode_utf8(sys.stdin.buffer.read(), "stdin")
    check_utf8(prompt, "the prompt")
    if learned:
        return learned_route(
            request_from_options(prompt, strategy="learned", chain=chain, cost_weight=cost_weight),
            demo,
            as_json,
        )
    from ...engine.cost import expected_cost, worst_case_cost
    from ...engine.strategies.cheapest import rank_candidates

    ctx = STATE.engine(demo=demo, record=False).context(
        request_from_options(prompt, strategy="cheapest", chain=chain, max_tokens=max_tokens)
    )
    analysis, ranked, reasons = rank_candidates(ctx)
    chosen = ranked[0]
    data = {
        **analysis.as_dict(),
        "model": chosen.name,
        "provider": chosen.provider,
        "estimated_input_tokens": ctx.input_tokens,
        "estimated_cost": expected_cost(chosen, ctx.input_tokens, ctx.max_tokens),
        "worst_case_cost": worst_case_cost(chosen, ctx.input_tokens, ctx.max_tokens),
        "price_tier_above_input_tokens": tier_threshold(chosen, ctx.input_tokens),
        "alternatives": [m.name for m in ranked[1:]],
        "reasons": reasons,
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    from rich.console import Console

    from ..tables import route_panel

    Console(highlight=False).print(route_panel(data))


def tier_threshold(model, input_tokens: int) -> int | None:
    """The threshold of the price tier this input pays, None for the base prices."""
    tier = model.prices.tier_for(input_tokens)
    return None if tier is None else tier.above_input_tokens


def learned_route(request, demo, as_json: bool) -> None:
    from ...engine.strategies.learned import rank_learned
    from ..tables import aligned

    ctx = STATE.engine(demo=demo, record=False).context(request)
    lam, ranked, _ = rank_learned(ctx)
    scale = ctx.engine.learned_router().cost_scale
    rows = [
        {
            "model": p.model,
            "predicted_success": round(p.success, 4),
            "predicted_cost": p.cost,
            "utility": round(p.utility(lam, scale), 4),
        }
        for p in ranked
    ]
    if as_json:
        typer.echo(json.dumps({"lambda": lam, "model": ranked[0].model, "ranking": rows}, indent=2))
        return
    table: list[tuple[str, ...]] = [("model", "success", "cost", "utility")]
    table += [
        (
            str(r["model"]),
            f"{r['predicted_success']:.2f}",
            f"${r['predicted_cost']:.6f}",
            f"{r['utility']:.3f}",
        )
        for r in rows
    ]
    typer.echo(f"λ = {lam:g}: {ranked[0].model}")
    typer.echo("\n".join(aligned(table, right_aligned={1, 2, 3})))
