"""`orch batch INPUT -o OUT --provider-batch`: the same INPUT, OUT and resume rules as the
live batch, run as provider batches.

A run first collects OUT's open batches (answers written, next rounds submitted), then
submits round 1 of every prompt OUT does not answer yet and no open batch already holds,
and returns once the batches are recorded (or, with `wait`, once they are all collected).
A prompt written as failed by this very run is not submitted again until the next run;
`retry_live` asks the failed prompts live instead, through the engine.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..engine.status import RequestStatus
from ..errors import OrchError, UsageError
from ..store import provider_batches as store
from ..store.db import default_db_path
from ..store.faults import store_error
from .inputs import BatchItem
from .outputs import Appender, OutLocked, last_records, locked, read_out
from .provider_collect import advance, poll
from .provider_record import Tally, count
from .provider_resolve import resolve
from .provider_rounds import round_models
from .provider_session import Session
from .provider_submit import Pending, pending_for, submit
from .resume import Plan, request_hash
from .runner import BatchProgress, BatchRunner


@dataclass
class JobOptions:
    max_cost: float | None = None
    retry_live: bool = False
    wait: bool = False
    interval: float = 30.0  # seconds between polls with `wait`


@dataclass
class JobSummary:
    total: int
    already_done: int = 0
    changed: int = 0
    submitted: int = 0  # requests submitted by this run (round 1 and later rounds)
    batches: list[str] = field(default_factory=list)  # the provider batches it submitted
    collected: Tally = field(default_factory=Tally)
    open_batches: int = 0
    live: BatchProgress | None = None
    errors: list[OrchError] = field(default_factory=list)  # collections that failed

    def to_dict(self) -> dict:
        live = self.live
        return {
            "total": self.total,
            "already_done": self.already_done,
            "changed": self.changed,
            "submitted": self.submitted,
            "batches": self.batches + self.collected.submitted,
            "done": self.collected.done + (live.done if live else 0),
            "failed": self.collected.failed + (live.failed if live else 0),
            "skipped": live.skipped if live else 0,
            "retried_live": live.finished if live else 0,
            "open_batches": self.open_batches,
            "unresolved": self.collected.unresolved,
            "cost": self.collected.cost + (live.cost if live else 0.0),
            "errors": [str(error) for error in self.errors],
        }


Progress = Callable[[int, int, int], object]  # (finished requests, total, open batches)


async def collect(
    session: Session,
    output: str | None,
    tally: Tally,
    go_on: bool = True,
    failures: list[OrchError] | None = None,
) -> list:
    """Resolve the submissions a crash interrupted, poll the open batches (of `output`, or
    of every OUT), then move their prompts on (`go_on` False: a cancel, which submits
    nothing).

    Each OUT is collected under its lock (already held by a run on `output`): an OUT
    another orch run holds is skipped, with one line (once), not a failure, since that run
    collects it. A batch, search or OUT that fails does not stop the others: once every
    one was tried, each failure is one line, the last raised (exit 1); or, given
    `failures`, added to it (for the caller to report after its summary)."""
    raising = failures is None
    failures = [] if failures is None else failures
    states: list = []
    tally.unresolved = 0
    outputs = [output] if output is not None else store.outputs_in_flight(session.db)
    for out in outputs:
        entered = False
        try:
            with locked(Path(out), create=True):
                entered = True
                tally.unresolved += await resolve(session, out, failures)
                states += await poll(session, out, failures)
                tally.add(await advance(session, out, go_on, failures))
        except OutLocked:
            if out not in tally.skipped:
                tally.skipped.add(out)
                session.note(
                    f"orch: {out}: another orch run is writing to it; its provider batches "
                    "are left to that run (skipped)"
                )
        except OrchError as error:
            failures.append(error)
            if not entered and isinstance(error, UsageError):
                # OUT cannot be opened: its batches are still resolved and their results
                # downloaded (the database only), before they expire; OUT gets them later
                tally.unresolved += await resolve(session, out, failures)
                states += await poll(session, out, failures)
        except (OSError, sqlite3.Error) as error:  # a full disk, a database locked too long…
            failures.append(collect_error(out, error))
    if raising:
        raise_failures(session, failures)
    return states


def collect_error(out: str, error: OSError | sqlite3.Error) -> OrchError:
    """One line for an OS or database error met collecting `out`."""
    if isinstance(error, sqlite3.Error):
        return store_error(default_db_path(), error)
    return OrchError(f"{out}: collecting its batches failed ({error.strerror or error})")


def raise_failures(session: Session, failures: list[OrchError]) -> None:
    """Each failure one line; the last raised, for the command's error line and exit."""
    if not failures:
        return
    for error in failures[:-1]:
        session.note(f"orch: error: {error}")
    raise failures[-1]


async def wait_for(
    session: Session,
    output: str | None,
    tally: Tally,
    interval: float,
    progress: Progress,
    failures: list[OrchError] | None = None,
) -> None:
    """Collect until no batch (of `output`, or at all) is open or waiting to be resolved,
    every `interval` seconds (a failure ends the wait, once every batch was tried: raised,
    or added to `failures`)."""
    while True:
        states = await collect(session, output, tally, failures=failures)
        total = sum(state.total for _, state in states)
        progress(sum(state.finished for _, state in states), total, len(states))
        if failures or (not store.open_batches(session.db, output) and not tally.unresolved):
            return
        await asyncio.sleep(interval)


async def run_job(
    session: Session,
    runner: BatchRunner,
    items: list[BatchItem],
    output: Path,
    on_changed: str,
    options: JobOptions,
    progress: Progress = lambda *_: None,
) -> JobSummary:
    if session.engine.demo:
        raise UsageError(
            "--provider-batch needs a real provider: the demo provider has no batch API "
            "(set an API key with `orch keys set`, or run without --provider-batch)"
        )
    # OUT's lock, from choosing what to submit to recording it: a second run on the same
    # OUT is refused in one line, as the live batch refuses it
    with locked(output, create=True):
        return await run_locked(session, runner, items, output, on_changed, options, progress)


async def run_locked(
    session: Session,
    runner: BatchRunner,
    items: list[BatchItem],
    output: Path,
    on_changed: str,
    options: JobOptions,
    progress: Progress,
) -> JobSummary:
    out = os.path.realpath(output)
    summary = JobSummary(len(items))
    # already done: before this run collects anything (what it collects is `done`); and every
    # refusal of a changed request comes here, before any call
    summary.already_done = runner.plan(items, output, on_changed).already_done
    # a failed collection submits nothing: the summary, then its failures (one line each)
    await collect(session, out, summary.collected, failures=summary.errors)
    if summary.errors:
        summary.open_batches = len(store.open_batches(session.db, out))
        return summary
    plan = runner.plan(items, output, on_changed)
    summary.changed = len(plan.changed)
    held = store.submitted_keys(session.db, out)
    failed_now = {key for where, key in summary.collected.failed_keys if where == out}
    later = failed_now | (failed_keys(output) if options.retry_live else set())
    todo = [i for i in plan.todo if i.key not in held and i.key not in later]
    job = (uuid.uuid4().hex, options.max_cost)
    pendings = first_round(session, runner, todo, output, job, summary.collected)
    summary.batches = await submit(session, pendings, options.max_cost)
    summary.submitted = len(pendings)
    if options.wait:
        await wait_for(session, out, summary.collected, options.interval, progress, summary.errors)
    if options.retry_live and not summary.errors:
        summary.live = await retry_live(session, runner, items, output, summary.collected)
    summary.open_batches = len(store.open_batches(session.db, out))
    return summary


def failed_keys(output: Path) -> set[str]:
    """The ids whose last record in OUT is a failure."""
    records = last_records(read_out(output))
    return {key for key, record in records.items() if record["status"] == RequestStatus.FAILED}


def first_round(
    session: Session,
    runner: BatchRunner,
    items: list[BatchItem],
    output: Path,
    job: tuple[str, float | None],
    tally: Tally,
) -> list[Pending]:
    """Round 1's requests (`job`: its id and --max-cost); a prompt that cannot be sent (an
    unknown model, no usable one) is written to OUT as a failed record at once, and counted
    in `tally` as failed, as the live batch does."""
    pendings: list[Pending] = []
    refused: list[tuple[BatchItem, dict]] = []
    job_id, max_cost = job
    for item in items:
        request = runner.request_for(item)
        asked = request_hash(request)
        base = {"item_id": item.key, "output": os.path.realpath(output), "job": job_id}
        try:
            ctx = session.context(replace(request, max_cost=max_cost))
            models = round_models(ctx, 1, session.batchable)
        except UsageError as error:
            refused.append((item, failed_record(item, asked, str(error))))
            continue
        base["request_hash"] = asked
        pendings += [pending_for(session, base, ctx.request, model, 1) for model in models]
    if refused:
        with Appender(output) as sink:
            for item, record in refused:
                sink.write(record)
                count(record, tally, os.path.realpath(output), item.key)
    return pendings


def failed_record(item: BatchItem, asked: str, error: str) -> dict:
    status = RequestStatus.FAILED
    return {
        "id": item.id,
        "request_hash": asked,
        "success": False,
        "status": status,
        "error": error,
    }


async def retry_live(
    session: Session, runner: BatchRunner, items: list[BatchItem], output: Path, tally: Tally
) -> BatchProgress | None:
    """The prompts whose last record is failed (and that no open batch holds), asked live.
    A prompt this run wrote as failed and now asks live is counted by its live outcome only:
    it leaves `tally`'s failures (each prompt counted once, by its final outcome)."""
    out = os.path.realpath(output)
    held = store.submitted_keys(session.db, out)
    failures = failed_keys(output)
    again = [item for item in items if item.key not in held and item.key in failures]
    if not again:
        return None
    asked = {(out, item.key) for item in again} & tally.failed_keys
    tally.failed -= len(asked)
    tally.failed_keys -= asked
    return await runner.execute(Plan(again), len(again), output)
