"""`orch stats`, `orch report` and `orch export`: what was spent, on what, and what was saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..state import STATE

BUCKETS = {"daily": 3600.0, "weekly": 86400.0, "monthly": 86400.0}


def stats(
    period: Annotated[
        str | None,
        typer.Option(
            help="daily (today), weekly (7 days) or monthly (this month); all time by default."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
):
    """Totals and breakdowns by model, strategy and category, and the savings."""
    from ...store.history import stats as compute
    from ...store.periods import period_start

    data = compute(STATE.db(), period_start(period) if period else None)
    data["period"] = period or "all"
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    from ..report_view import print_stats

    print_stats(data)


def report(
    period: Annotated[str, typer.Option(help="daily, weekly or monthly.")] = "weekly",
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
):
    """Cost over a period as a chart, with the period's totals."""
    from ...store.history import cost_series
    from ...store.history import stats as compute
    from ...store.periods import period_start
    from ..report_view import print_chart, print_stats

    since = period_start(period)
    print_chart(cost_series(STATE.db(), since, BUCKETS[period], category), period, category)
    data = compute(STATE.db(), since, category)
    data["period"] = period + (f", category {category}" if category is not None else "")
    print_stats(data)


def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="The file to write.")],
    fmt: Annotated[str, typer.Option("--format", help="csv, json or jsonl.")] = "jsonl",
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    since: Annotated[str | None, typer.Option(help="2026-11-01, today, 7d…")] = None,
):
    """Write the history to a file (json and jsonl include every attempt)."""
    from ...errors import UsageError
    from ...store.history import export_rows
    from ...store.periods import parse_since
    from ..export_formats import WRITERS
    from ..paths import check_writable

    if fmt not in WRITERS:
        raise UsageError(f"unknown format {fmt!r} (choose from csv, json, jsonl)")
    check_writable(output, "--output")
    rows = export_rows(
        STATE.db(), with_attempts=fmt != "csv", category=category, since=parse_since(since)
    )
    WRITERS[fmt](rows, output)
    typer.echo(f"wrote {len(rows)} requests to {output}", err=True)
