"""Collecting provider batches: poll the open ones, download the results of those that
ended, and move each prompt on: its next round submitted, or its answer recorded in the
history (usage and cost at batch prices, through the engine's ledger) and appended to OUT
in the same record shape as the live batch's.

A request that failed, expired, was cancelled or has no result is a failed attempt; a
prompt with no answer is written as a failed record, which a rerun submits again (or
`--retry-failed-live` asks live). Each answer is recorded once in the history and once in
OUT, whatever point a crash comes at (`provider_record`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import partial
from pathlib import Path
from sqlite3 import Row

from ..engine.context import RunContext
from ..engine.cost import charge_call, compute_cost, prices_used
from ..engine.events import Attempt
from ..engine.status import AttemptStatus
from ..errors import BudgetError, OrchError, UsageError
from ..providers.batch_api import BatchOutcome, BatchState
from ..store import provider_batches as store
from ..types import ModelConfig
from .provider_record import Tally, finish_logged, write_finals
from .provider_rounds import Verdict, decide, round_models
from .provider_session import (
    ProviderBatchError,
    Session,
    outcome_json,
    request_from_json,
    usage_from,
)
from .provider_submit import Pending, pending_for, submit

FAILURES = {
    "errored": "errored in the provider batch",
    "expired": "expired: the provider batch ended before this request ran",
    "canceled": "cancelled with its provider batch",
    "missing": "no result in the provider batch",
    "truncated": "the answer in the provider batch was cut short (no stop reason)",
    "gone": "its provider batch was forgotten: the provider no longer knows it",
}
NOT_FOUND = 404


def unknown_batch(error: ProviderBatchError, provider: str, batch_id: str) -> ProviderBatchError:
    """A poll answered 404: the batch is not the provider's (anymore) with this key."""
    return ProviderBatchError(
        f"{error}: {provider} does not know batch {batch_id} (deleted, or made with another "
        f"key?); it stays open and held: `orch batch cancel {batch_id}` forgets it",
        error.status,
    )


async def poll(
    session: Session, output: str | None = None, failures: list[OrchError] | None = None
) -> list[tuple[Row, BatchState]]:
    """Every open batch (of `output`, or all) refreshed; the ended ones' results stored. A
    batch that cannot be polled or downloaded stays open, and its failure goes to
    `failures` (raised at once when None) while the others are polled."""
    states = []
    for row in store.open_batches(session.db, output):
        try:
            states.append((row, await poll_one(session, row)))
        except OrchError as error:
            if failures is None:
                raise
            failures.append(error)
    return states


async def poll_one(session: Session, row: Row) -> BatchState:
    batch_id, provider = row["id"], row["provider"]
    api = session.api(provider)
    try:
        state = await session.call(
            provider, f"retrieving batch {batch_id}", partial(api.retrieve, batch_id)
        )
    except ProviderBatchError as error:
        if error.status == NOT_FOUND:
            raise unknown_batch(error, provider, batch_id) from error
        raise
    store.update_status(session.db, batch_id, state.status, state.counts)
    if state.ended:
        outcomes = await session.call(
            provider,
            f"downloading the results of {batch_id}",
            partial(api.results, batch_id),
        )
        store_results(session, batch_id, outcomes)
    return state


def forget(session: Session, batch_id: str) -> int:
    """A batch the provider no longer knows, given up: each of its requests a failed
    attempt that cost nothing (collecting then writes its prompts as failed, or moves them
    to their next round), its reservation settled; how many requests it held."""
    requests = store.requests_of_batch(session.db, batch_id)
    outcomes = [BatchOutcome(row["custom_id"], "gone") for row in requests]
    store_results(session, batch_id, outcomes, store.GONE)
    return len(requests)


def store_results(
    session: Session, batch_id: str, outcomes: list[BatchOutcome], state: str = store.COLLECTED
) -> None:
    by_id = {outcome.custom_id: outcome for outcome in outcomes}
    entries = []
    for row in store.requests_of_batch(session.db, batch_id):
        outcome = by_id.get(row["custom_id"]) or BatchOutcome(row["custom_id"], "missing")
        model = session.engine.registry.models.get(row["model"])
        cost = None if model is None else 0.0
        if model is not None and outcome.usage is not None:
            cost = compute_cost(outcome.usage, model.prices, batch=True)
        entries.append((row["custom_id"], cost, outcome_json(outcome)))
    store.store_outcomes(session.db, batch_id, entries, state)


async def advance(
    session: Session,
    output: str | None = None,
    go_on: bool = True,
    failures: list[OrchError] | None = None,
) -> Tally:
    """Every prompt whose round is over: its next round submitted, or its record written.

    A prompt with a request in a batch orch cancelled (or forgot) gets no next round: it
    ends with its best answer so far, or as failed. With `go_on` False (a cancel), nothing
    is submitted at all: the other prompts are left for the next collection. A next round
    that cannot be submitted goes to `failures` (raised at once when None)."""
    tally = Tally()
    finish_logged(session, output, tally)  # what a crash left half-recorded, first
    finals: dict[str, list[tuple[RunContext, Verdict, list[Row]]]] = defaultdict(list)
    rounds_next: dict[str, list[Pending]] = defaultdict(list)
    groups = group_rows(store.answered_items(session.db, output))
    for rows in groups:
        ctx = session.context(request_from_json(rows[0]["request"]))
        if any(row["stopped"] for row in rows):
            verdict = decide(ctx, attempts_by_round(session, ctx, rows), session.batchable, False)
            assert isinstance(verdict, Verdict)  # no next round asked for
            finals[rows[0]["output"]].append((ctx, verdict, rows))
            continue
        if not go_on:
            continue
        missing = unsubmitted(session, ctx, rows)
        if missing:  # a submission that failed part-way: its round completed first
            rounds_next[rows[0]["job"]] += [
                pending_for(session, base_of(rows), ctx.request, m, rows[-1]["round"])
                for m in missing
            ]
            continue
        verdict = decide(ctx, attempts_by_round(session, ctx, rows), session.batchable)
        if isinstance(verdict, Verdict):
            finals[rows[0]["output"]].append((ctx, verdict, rows))
        else:
            base = base_of(rows)
            next_no = rows[-1]["round"] + 1
            rounds_next[rows[0]["job"]] += [
                pending_for(session, base, ctx.request, m, next_no) for m in verdict
            ]
    for job, pendings in rounds_next.items():
        try:
            await submit_next(session, job, pendings, finals, tally, groups)
        except OrchError as error:  # its prompts stay answered: the next collection retries
            if failures is None:
                raise
            failures.append(error)
    for out, entries in finals.items():
        await write_finals(session, Path(out), entries, tally)
    return tally


def unsubmitted(session: Session, ctx: RunContext, rows: list[Row]) -> list[ModelConfig]:
    """The models of the prompt's last round that it has no request for: a submission that
    stopped part-way (an upload refused after another provider's batch was accepted), whose
    prompts would otherwise be judged on part of their round (an ensemble of one). Only
    when what was sent is part of what the round asks now: a model chosen otherwise then
    (the registry's prices changed since) is not asked again."""
    last = rows[-1]["round"]
    try:
        expected = round_models(ctx, last, session.batchable)
    except UsageError:
        return []
    sent = {row["model"] for row in rows if row["round"] == last}
    if not sent < {model.name for model in expected}:  # complete, or chosen otherwise then
        return []
    return [model for model in expected if model.name not in sent]


def group_rows(rows: list[Row]) -> list[list[Row]]:
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        groups[(row["output"], row["job"], row["item_key"])].append(row)
    return list(groups.values())


def base_of(rows: list[Row]) -> dict:
    first = rows[0]
    return {
        "item_id": first["item_id"],
        "output": first["output"],
        "job": first["job"],
        "request_hash": first["request_hash"],
    }


async def submit_next(
    session: Session,
    job: str,
    pendings: list[Pending],
    finals: dict[str, list[tuple[RunContext, Verdict, list[Row]]]],
    tally: Tally,
    groups: list[list[Row]],
) -> None:
    """A job's next round; when its budget cannot hold it, its prompts end with what they
    have (fallback's best answer so far, …), said in a note."""
    max_cost = pendings[0].request.max_cost
    try:
        tally.submitted += await submit(session, pendings, max_cost)
        return
    except BudgetError as refusal:
        session.note(f"{refusal}; those prompts keep their best answer so far")
    keys = {(p.output, p.item_id) for p in pendings}
    for rows in groups:
        if rows[0]["job"] == job and (rows[0]["output"], rows[0]["item_key"]) in keys:
            ctx = session.context(request_from_json(rows[0]["request"]))
            verdict = decide(ctx, attempts_by_round(session, ctx, rows), session.batchable, False)
            assert isinstance(verdict, Verdict)  # no next round asked for
            finals[rows[0]["output"]].append((ctx, verdict, rows))


def attempts_by_round(session: Session, ctx: RunContext, rows: list[Row]) -> list[list[Attempt]]:
    """The prompt's requests as the attempts of a run, charged at batch prices, by round."""
    rounds: dict[int, list[Attempt]] = defaultdict(list)
    for row in rows:
        attempt = attempt_of(session, ctx, row)
        ctx.attempts.append(attempt)
        rounds[row["round"]].append(attempt)
    return [rounds[number] for number in sorted(rounds)]


def attempt_of(session: Session, ctx: RunContext, row: Row) -> Attempt:
    data = json.loads(row["outcome"])
    outcome = BatchOutcome(**{**data, "usage": usage_from(data.get("usage"))})
    try:
        model = ctx.registry.model(row["model"])
    except UsageError:
        model = None
    provider = model.provider if model else "?"
    attempt = ctx.new_attempt(model, provider) if model else Attempt(0, row["model"], provider)
    attempt.text, attempt.stop_reason = outcome.text, outcome.stop_reason
    if outcome.ok:
        attempt.status = AttemptStatus.OK
        attempt.confidence = ctx.detector.score(ctx.request.prompt, outcome.text).score
    else:
        kind = "truncated" if outcome.kind == "succeeded" else outcome.kind
        detail = f" ({outcome.error})" if outcome.error else ""
        attempt.status = AttemptStatus.ERROR
        attempt.error = ctx.describe(f"{FAILURES.get(kind, kind)}{detail}")
    if model is not None:
        attempt.prices = prices_used(model.prices, batch=True)
        charge_call(attempt, outcome.usage, model.prices, batch=True)
    if outcome.usage is not None:
        attempt.usage = outcome.usage
    return attempt
