"""Submissions a crash interrupted: a batch recorded as `submitting` whose creation never
got its answer recorded. Before a run collects or submits anything, each one is looked for
at its provider (`BatchAPI.find`):

- found: it is tracked under the provider's id from then on, as if nothing had happened;
- never created: its record goes, and its prompts are submitted again;
- cannot be told yet (an Anthropic batch of the same size and time, still running): its
  prompts stay held, neither collected nor submitted again, and one line names the
  candidate batches; the check is repeated on each run until it can be told.

A submission still being made by another orch process that is alive is left alone.
"""

from __future__ import annotations

import os
import time
from functools import partial
from sqlite3 import Row

from ..errors import OrchError
from ..providers.batch_api import Search, Submission
from ..store import provider_batches as store
from ..store.abandoned import process_alive
from .provider_session import Session


async def resolve(
    session: Session, output: str | None, failures: list[OrchError] | None = None
) -> int:
    """Resolve the interrupted submissions (of `output`, or all); how many still cannot be
    told (their candidates are still running, or the search failed: its failure goes to
    `failures`, raised at once when None, and the others are still looked for)."""
    waiting = 0
    for row in store.submitting(session.db, output):
        if row["pid"] not in (None, os.getpid()) and process_alive(row["pid"]):
            continue  # being submitted right now, by another orch
        try:
            waiting += not await resolve_one(session, row)
        except OrchError as error:
            if failures is None:
                raise
            failures.append(error)
            waiting += 1
    return waiting


async def resolve_one(session: Session, row: Row) -> bool:
    """Whether the submission is settled (tracked, or dropped)."""
    provider, what = row["provider"], describe(row)
    api = session.api(provider)
    if not api.searchable:
        session.note(
            f"orch: {what} may or may not be at {provider}, whose batches orch cannot "
            "search: check them there; its prompts stay held meanwhile"
        )
        return False
    found = await session.call(
        provider, f"looking for {what}", partial(api.find, submission_of(session, row))
    )
    return settle(session, row, what, found)


def settle(session: Session, row: Row, what: str, found: Search) -> bool:
    provider = row["provider"]
    if found.batch_id is not None:
        store.confirm_batch(session.db, row["token"], found.batch_id)
        session.note(f"orch: {what} was accepted by {provider} as {found.batch_id}: tracked now")
        return True
    if not found.pending:
        store.drop_submission(session.db, row["token"])
        session.note(
            f"orch: {what} never reached {provider}: its prompts are no longer held (a run "
            "of their command submits them again)"
        )
        return True
    candidates = ", ".join(found.pending)
    session.note(
        f"orch: {what} may be {provider}'s batch {candidates} (still running, so orch cannot "
        "tell yet): its prompts stay held until it ends, when a rerun checks its results"
    )
    return False


def describe(row: Row) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(row["created"]))
    return (
        f"the batch of {row['requests']} request(s) to {row['model']} submitted at {when} "
        "and interrupted before its id was recorded"
    )


def submission_of(session: Session, row: Row) -> Submission:
    ids = session.db.execute(
        "SELECT custom_id FROM provider_batch_requests WHERE batch_id = ?", (row["id"],)
    )
    tracked = session.db.execute(
        "SELECT id FROM provider_batches WHERE provider = ? AND state != ?",
        (row["provider"], store.SUBMITTING),
    )
    return Submission(
        row["token"],
        row["file_id"],
        frozenset(r[0] for r in ids),
        row["requests"],
        row["created"],
        frozenset(r[0] for r in tracked),
    )
