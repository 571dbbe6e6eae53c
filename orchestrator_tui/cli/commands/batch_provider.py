"""`orch batch --provider-batch` and the commands that manage provider batches:
`orch batch status`, `orch batch collect` and `orch batch cancel [ID]`."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import options as o
from ..state import STATE


@dataclass
class JobArgs:
    max_cost: float | None
    retry_live: bool
    wait: bool
    interval: float


def check_options(provider_batch: bool, wait: bool, retry_live: bool) -> None:
    from ...errors import UsageError

    if (wait or retry_live) and not provider_batch:
        raise UsageError("--wait and --retry-failed-live go with --provider-batch")


def session():
    """The engine (providers, ledger) and the database the provider-batch modules use."""
    from ...batch.provider_session import Session

    engine = STATE.engine(demo=False)
    return Session(engine, STATE.db(write=True), note=lambda text: print(text, file=sys.stderr))


def run_async(engine, coroutine):
    from ..interrupt import Interrupted, run_interruptibly

    async def main():
        try:
            return await coroutine
        finally:
            await engine.aclose()

    try:
        return run_interruptibly(main())
    except Interrupted as stop:
        print(f"orch: {stop.verb}; the batches submitted so far are recorded", file=sys.stderr)
        raise typer.Exit(stop.exit_code) from None


def run_provider(runner, items, output: Path, on_changed: str, args: JobArgs, quiet, as_json):
    """The batch as provider batches (the engine built by `orch batch`)."""
    from ...batch.provider_job import JobOptions, run_job
    from ...batch.provider_session import Session
    from ..provider_batch_view import ProviderBatchView

    engine = runner.engine
    batches = Session(engine, STATE.db(write=True), note=lambda t: print(t, file=sys.stderr))
    options = JobOptions(args.max_cost, args.retry_live, args.wait, args.interval)
    with ProviderBatchView(enabled=args.wait and not quiet) as view:
        job = run_job(batches, runner, items, output, on_changed, options, view.update)
        done = run_async(engine, job)
    summary = done.to_dict()
    report(summary, as_json, output)
    raise_last(done.errors)
    if summary["failed"] or summary["skipped"]:
        raise typer.Exit(1)


def report(summary: dict[str, Any], as_json: bool, output: Path) -> None:
    if as_json:
        typer.echo(json.dumps({**summary, "output": str(output)}))
        return
    batches = len(summary["batches"])
    print(
        f"{summary['submitted']} request(s) submitted in {batches} provider batch(es); "
        f"{summary['done']} answered, {summary['failed']} failed, {summary['already_done']} "
        f"already done; ${summary['cost']:.6f} at batch prices → {output}",
        file=sys.stderr,
    )
    if summary["open_batches"]:
        print(
            f"{summary['open_batches']} provider batch(es) still open: `orch batch status` "
            "shows them; rerun this command or `orch batch collect` to collect them",
            file=sys.stderr,
        )
    unresolved_note(summary["unresolved"], "rerun this command")
    if summary["failed"]:
        print(
            "the failed prompts are in the output with their error: rerun the command to "
            "submit them again, or add --retry-failed-live to ask them live",
            file=sys.stderr,
        )


def raise_last(failures: list) -> None:
    """After the summary: each failure one line, the last raised (its error line, exit)."""
    if not failures:
        return
    for error in failures[:-1]:
        print(f"orch: error: {error}", file=sys.stderr)
    raise failures[-1]


def unresolved_note(unresolved: int, rerun: str) -> None:
    if unresolved:
        print(
            f"{unresolved} interrupted submission(s) not resolved yet: their prompts stay "
            f"held; {rerun} to check again",
            file=sys.stderr,
        )


def status(as_json: o.AsJson = False):
    """Every open provider batch, with the provider's request counts."""
    from ...batch.provider_status import refresh

    batches = session()
    rows = run_async(batches.engine, refresh(batches))
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        print("no open provider batch", file=sys.stderr)
        return
    for row in rows:
        counts = ", ".join(f"{k} {v}" for k, v in row["counts"].items())
        typer.echo(
            f"{row['id']}  {row['provider']}  {row['model']}  round {row['round']}  "
            f"{row['status']}  {row['finished']}/{row['requests']} ({counts})  → {row['output']}"
        )


Wait = Annotated[bool, typer.Option("--wait", help="Poll until every batch is collected.")]
Interval = Annotated[float, typer.Option(min=0.0, help="--wait: seconds between polls.")]


Quiet = Annotated[bool, typer.Option("--quiet", help="No progress bar.")]


def collect(
    wait: Wait = False,
    poll_interval: Interval = 30.0,
    quiet: Quiet = False,
    as_json: o.AsJson = False,
):
    """Download the results of every ended provider batch into its OUT (submitting the next
    round of fallback and consensus), and record each answer in the history. An OUT another
    orch run is writing to is skipped with one line (not a failure: that run collects it);
    a batch that fails does not stop the others (one line each, exit 1)."""
    from ...batch.provider_job import collect as collect_once
    from ...batch.provider_job import wait_for
    from ...batch.provider_record import Tally
    from ...errors import OrchError
    from ...store.provider_batches import open_batches
    from ..provider_batch_view import ProviderBatchView

    batches, tally = session(), Tally()
    failures: list[OrchError] = []
    with ProviderBatchView(enabled=wait and not quiet) as view:
        work = (
            wait_for(batches, None, tally, poll_interval, view.update, failures)
            if wait
            else collect_once(batches, None, tally, failures=failures)
        )
        run_async(batches.engine, work)
    still = len(open_batches(batches.db))
    summary = {
        "done": tally.done,
        "failed": tally.failed,
        "cost": tally.cost,
        "open_batches": still,
        "skipped_outputs": sorted(tally.skipped),
        "unresolved": tally.unresolved,
        "errors": [str(error) for error in failures],
    }
    if as_json:
        typer.echo(json.dumps({**summary, "submitted": tally.submitted}))
    else:
        print(
            f"{tally.done} answered, {tally.failed} failed, ${tally.cost:.6f} at batch prices; "
            f"{still} provider batch(es) still open",
            file=sys.stderr,
        )
        unresolved_note(tally.unresolved, "rerun `orch batch collect`")
    raise_last(failures)
    if tally.failed:
        raise typer.Exit(1)


def cancel(
    batch_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="The batch (default: every open one).")
    ] = None,
    as_json: o.AsJson = False,
):
    """Cancel an open provider batch (or all of them); what they answered is collected into
    OUT, the rest written as failed (cancelled). A batch named that its provider no longer
    knows (404) is forgotten: its prompts written as failed, its reservation released."""
    from ...batch.provider_status import cancel_batches

    batches = session()
    done = run_async(batches.engine, cancel_batches(batches, batch_id))
    tally = done.tally
    if as_json:
        summary = {"cancelled": done.cancelled, "forgotten": done.forgotten}
        typer.echo(json.dumps({**summary, "done": tally.done, "failed": tally.failed}))
        return
    forgot = f", forgot {len(done.forgotten)}" if done.forgotten else ""
    print(
        f"cancelled {len(done.cancelled)} provider batch(es){forgot}; {tally.done} answered, "
        f"{tally.failed} written as failed",
        file=sys.stderr,
    )
