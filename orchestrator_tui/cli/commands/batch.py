"""`orch batch`: many prompts at full speed within the rate limits, resumable; answers are
appended to OUT, whose other lines orch never changes (see batch.outputs). With
`--provider-batch`, the same job runs as the providers' batch APIs (see batch_provider).

`orch batch` is a group whose default command is the batch itself: `orch batch INPUT -o OUT`
runs `orch batch run INPUT -o OUT`, and `status`, `collect` and `cancel` manage provider
batches. `orch batch --help` is the batch's own help, which names them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from .. import options as o
from ..state import STATE
from . import batch_provider

SUBCOMMANDS_HELP = (
    "\b\nProvider batches (--provider-batch):\n"
    "  orch batch status           every open provider batch, with the provider's counts\n"
    "  orch batch collect [--wait] download the results of every ended batch into its OUT\n"
    "  orch batch cancel [ID]      cancel one open provider batch, or all of them"
)


class BatchGroup(TyperGroup):
    """A group whose default command is `run`: anything but a subcommand's name runs it."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


batch_app = typer.Typer(
    cls=BatchGroup,
    no_args_is_help=True,
    help="Run every prompt of INPUT: `orch batch INPUT -o OUT [OPTIONS]` (see "
    "`orch batch --help`); `status`, `collect` and `cancel` manage provider batches.",
)
batch_app.command("status")(batch_provider.status)
batch_app.command("collect")(batch_provider.collect)
batch_app.command("cancel")(batch_provider.cancel)


@batch_app.command("run", epilog=SUBCOMMANDS_HELP)
def batch(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="JSONL or CSV with id and prompt (optional system, model, category).",
        ),
    ],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="JSONL file the answers are appended to.")
    ],
    concurrency: Annotated[
        int, typer.Option(min=1, max=1000, help="Requests in flight at once.")
    ] = 8,
    strategy: o.Strategy = None,
    max_cost: o.MaxCost = None,
    chain: o.Chain = None,
    ensemble_size: o.EnsembleSize = None,
    models: o.Models = None,
    model: o.Model = None,
    cost_weight: o.CostWeight = None,
    threshold: o.Threshold = None,
    system: o.System = None,
    max_tokens: o.MaxTokens = None,
    temperature: o.Temperature = None,
    demo: o.Demo = None,
    category: o.Category = None,
    no_log: o.NoLog = False,
    no_cache: o.NoCache = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    rerun_changed: Annotated[
        bool,
        typer.Option(
            "--rerun-changed", help="Ask again ids answered before for a different request."
        ),
    ] = False,
    skip_changed: Annotated[
        bool,
        typer.Option("--skip-changed", help="Keep the old answers of ids whose request changed."),
    ] = False,
    compact: Annotated[
        bool,
        typer.Option(
            "--compact",
            help="After the run, keep only the last record of each id in OUTPUT "
            "(lines orch did not write stay where they are).",
        ),
    ] = False,
    as_json: o.AsJson = False,
    provider_batch: Annotated[
        bool,
        typer.Option(
            "--provider-batch",
            help="Submit the prompts as the providers' batch APIs (answered within 24 h, at "
            "batch prices); rerun the command, or `orch batch collect`, to collect them.",
        ),
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="--provider-batch: poll until every batch is collected.")
    ] = False,
    poll_interval: Annotated[
        float, typer.Option(min=0.0, help="--wait: seconds between polls.")
    ] = 30.0,
    retry_failed_live: Annotated[
        bool,
        typer.Option(
            "--retry-failed-live",
            help="--provider-batch: ask the prompts whose last answer failed (an error, an "
            "expired request) live instead of in a new provider batch.",
        ),
    ] = False,
):
    """Run every prompt of INPUT and append the answers to OUTPUT (ids already answered there
    are skipped, so rerunning the command resumes it)."""
    from ...batch.runner import BatchRunner
    from ...engine import Request
    from ...frontend import request_from_options, warm_up_early

    batch_provider.check_options(provider_batch, wait, retry_failed_live)
    on_changed = changed_policy(rerun_changed, skip_changed)
    template = request_from_options(
        "",
        strategy=strategy,
        model=model,
        chain=chain,
        models=models,
        ensemble_size=ensemble_size,
        cost_weight=cost_weight,
        threshold=threshold,
        system=system,
        max_tokens=max_tokens,
        temperature=temperature,
        category=category,
        log_text=not no_log,
        use_cache=not no_cache,
    )
    # the SDK's import starts now, in the background, while INPUT is read and the database
    # opened; the first call waits for what is left of it
    registry = warm_up_early(STATE.settings(), template, demo)
    items = checked_items(input_path, output, system, category)
    engine = STATE.engine(demo=demo, registry=registry)
    engine.check(Request("check", strategy=template.strategy))
    named = sorted({item.model for item in items if item.model})  # INPUT's own models
    engine.warm_up([m for name in named for m in engine.models_named(Request("", model=name))])
    from ..batch_view import BatchView
    from ..interrupt import Interrupted, run_interruptibly

    runner = BatchRunner(engine, template, concurrency, max_cost)
    if provider_batch:
        job = batch_provider.JobArgs(max_cost, retry_failed_live, wait, poll_interval)
        batch_provider.run_provider(runner, items, output, on_changed, job, quiet, as_json)
        if compact:
            compact_output(output)
        return
    plan = runner.plan(items, output, on_changed)  # every refusal comes before any call
    view = BatchView(len(items), enabled=not quiet, demo=engine.demo)
    runner.on_progress = view.update
    stop = None
    with view:
        try:
            progress = run_interruptibly(run(runner, plan, len(items), output))
        except Interrupted as interrupted:
            stop, progress = interrupted, view.last
    summary = progress.summary() if progress else {}
    if compact:
        dropped = compact_output(output)
        if summary:
            summary["compacted"] = dropped
    report(summary, as_json, stop is not None, output)
    if stop is not None:
        raise typer.Exit(stop.exit_code)
    if progress and (progress.failed or progress.skipped):
        raise typer.Exit(1)


def checked_items(input_path: Path, output: Path, system: str | None, category: str | None):
    """INPUT's items, once INPUT, OUTPUT and the text options pass every check."""
    from ...batch.runner import read_items
    from ...textfiles import check_utf8
    from ..paths import check_not_same_file, check_writable

    check_utf8(system, "--system")
    check_utf8(category, "--category")
    items = read_items(input_path)
    check_not_same_file(output, input_path)
    check_writable(output)
    return items


def changed_policy(rerun_changed: bool, skip_changed: bool) -> str:
    from ...errors import UsageError

    if rerun_changed and skip_changed:
        raise UsageError("--rerun-changed and --skip-changed contradict each other: pass one")
    return "rerun" if rerun_changed else "skip" if skip_changed else "refuse"


async def run(runner, plan, total, output):
    try:
        return await runner.execute(plan, total, output)
    finally:
        await runner.engine.aclose()


def compact_output(output: Path) -> int:
    """Superseded records dropped from OUTPUT (after the run, interrupted or not)."""
    from ...batch.outputs import compact

    dropped = compact(output) if output.exists() else 0
    print(f"compacted {output}: {dropped} superseded record(s) removed", file=sys.stderr)
    return dropped


def report(summary: dict, as_json: bool, interrupted: bool, output: Path) -> None:
    if as_json:
        typer.echo(json.dumps({**summary, "interrupted": interrupted, "output": str(output)}))
        return
    if not summary:
        return
    changed = f" ({summary['changed']} asked differently before)" if summary["changed"] else ""
    line = (
        f"{summary['done']} answered, {summary['failed']} failed, {summary['skipped']} "
        f"skipped by budget, {summary['already_done']} already done{changed}; "
        f"{summary['elapsed_seconds']:.1f} s, ${summary['cost']:.6f} → {output}"
    )
    print(("interrupted: " if interrupted else "") + line, file=sys.stderr)
    if summary["failed"] or summary["skipped"]:
        print(
            f"the failed and skipped prompts are in {output} with their error; rerun the same "
            "command to retry them",
            file=sys.stderr,
        )
