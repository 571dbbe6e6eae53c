"""`orch batch`: many prompts at full speed within the rate limits, resumable."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import options as o
from .state import STATE


def batch(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="JSONL or CSV with id and prompt (optional system, model, category).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="JSONL file the answers are appended to.")],
    concurrency: Annotated[int, typer.Option(min=1, max=1000, help="Requests in flight at once.")] = 8,
    strategy: o.Strategy = None, max_cost: o.MaxCost = None, chain: o.Chain = None,
    ensemble_size: o.EnsembleSize = None, models: o.Models = None, model: o.Model = None,
    cost_weight: o.CostWeight = None,
    threshold: o.Threshold = None, system: o.System = None, max_tokens: o.MaxTokens = None,
    temperature: o.Temperature = None, demo: o.Demo = None, category: o.Category = None,
    no_log: o.NoLog = False, no_cache: o.NoCache = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    as_json: o.AsJson = False,
):
    """Run every prompt of INPUT and append the answers to OUTPUT (ids already answered there
    are skipped, so rerunning the command resumes it)."""
    from ..batch import BatchRunner, read_items
    from ..engine import Request

    items = read_items(input_path)
    template = Request("", strategy=strategy or ("single" if model else None), model=model,
                       chain=chain, models=o.split_list(models), ensemble_size=ensemble_size, cost_weight=cost_weight,
                       threshold=threshold, system=system, max_tokens=max_tokens,
                       temperature=temperature, category=category, log_text=not no_log,
                       use_cache=not no_cache)
    engine = STATE.engine(demo=demo)
    engine.check(Request("check", strategy=template.strategy))
    from .batch_view import BatchView
    from .interrupt import Interrupted, run_interruptibly

    view = BatchView(len(items), enabled=not quiet, demo=engine.demo)
    runner = BatchRunner(engine, template, concurrency, max_cost, on_progress=view.update)
    stop = None
    with view:
        try:
            progress = run_interruptibly(run(runner, items, output))
        except Interrupted as interrupted:
            stop, progress = interrupted, view.last
    summary = progress.summary() if progress else {}
    report(summary, as_json, stop is not None, output)
    if stop is not None:
        raise typer.Exit(stop.exit_code)
    if progress and (progress.failed or progress.skipped):
        raise typer.Exit(1)


async def run(runner, items, output):
    try:
        return await runner.run(items, output)
    finally:
        await runner.engine.aclose()


def report(summary: dict, as_json: bool, interrupted: bool, output: Path) -> None:
    if as_json:
        typer.echo(json.dumps({**summary, "interrupted": interrupted, "output": str(output)}))
        return
    if not summary:
        return
    line = (f"{summary['done']} answered, {summary['failed']} failed, {summary['skipped']} "
            f"skipped by budget, {summary['already_done']} already done; "
            f"{summary['elapsed_seconds']:.1f} s, ${summary['cost']:.6f} → {output}")
    print(("interrupted: " if interrupted else "") + line, file=sys.stderr)
    if summary["failed"] or summary["skipped"]:
        print(f"the failed and skipped prompts are in {output} with their error; rerun the same "
              "command to retry them", file=sys.stderr)
