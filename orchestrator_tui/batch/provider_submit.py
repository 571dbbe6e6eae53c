"""Submitting a round: the prompts' requests grouped by model (OpenAI takes one model per
batch), split at the API's limits, and each provider batch recorded before it is created
(`submitting`, so a crash cannot leave a batch nobody tracks), then under the provider's id
the moment the provider accepts it.

Before anything is uploaded, the round's worst case (every request's estimated input and
all its allowed output, at batch prices) must fit the job's --max-cost and the persistent
budgets, which then hold it (`store.provider_batches`); otherwise nothing is submitted and
`BudgetError` says why in one line. A model with no known batch price fits no budget.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from ..engine import Request
from ..engine.cost import worst_case_cost
from ..errors import BudgetError
from ..providers.base import CallParams
from ..providers.batch_api import BatchAPI, BatchRequest, split_requests
from ..store import budgets
from ..store import provider_batches as store
from ..types import ModelConfig
from .provider_session import ProviderBatchError, Session, request_json


@dataclass
class Pending:
    """One request to submit: a prompt (its INPUT id, OUT and job) to one model in a round."""

    item_id: str  # the id's canonical JSON form
    output: str
    job: str
    request: Request  # checked: its strategy resolved
    request_hash: str
    model: ModelConfig
    round: int
    params: CallParams
    worst: float | None

    def row(self, custom_id: str, submission: str) -> dict:
        return {
            "custom_id": custom_id,
            "submission": submission,
            "job": self.job,
            "output": self.output,
            "item_key": self.item_id,
            "item_id": self.item_id,
            "request": request_json(self.request),
            "request_hash": self.request_hash,
            "model": self.model.name,
            "round": self.round,
            "worst": self.worst,
        }


def pending_for(
    session: Session, base: dict, request: Request, model: ModelConfig, round_no: int
) -> Pending:
    """`base`: item_id, output, job and request_hash of the prompt."""
    ctx = session.context(request)
    worst = worst_case_cost(model, ctx.input_tokens, ctx.max_tokens, batch=True)
    return Pending(
        **base, request=request, model=model, round=round_no, params=ctx.params, worst=worst
    )


def worst_total(pendings: list[Pending]) -> float | None:
    costs = [p.worst for p in pendings]
    return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)


def check_max_cost(session: Session, pendings: list[Pending], max_cost: float | None) -> None:
    """The job's --max-cost must hold what it has cost, what is open and this round."""
    if max_cost is None:
        return
    total = worst_total(pendings)
    committed = store.job_committed(session.db, pendings[0].job)
    if total is None or committed is None:
        raise BudgetError(
            "provider batch not submitted: --max-cost cannot cover a model with no known "
            "batch price"
        )
    if committed + total > max_cost + 1e-12:
        raise BudgetError(
            f"provider batch not submitted: {len(pendings)} request(s) could cost up to "
            f"${total:.6f} at batch prices, and --max-cost ${max_cost:.6f} has "
            f"${max(0.0, max_cost - committed):.6f} left"
        )


def reserve(session: Session, pendings: list[Pending], submission: str) -> None:
    settings = session.engine.settings
    refusal = budgets.reserve(
        session.db,
        settings,
        store.owner(submission),
        worst_total(pendings),
        False,
        store.UNTIL_COLLECTED,
    )
    if refusal is not None:
        refusal = refusal.replace("the call could", "the submission could")
        raise BudgetError(
            f"provider batch not submitted ({len(pendings)} request(s) at batch prices): {refusal}"
        )


async def submit(session: Session, pendings: list[Pending], max_cost: float | None) -> list[str]:
    """Submit `pendings` (one job's round) as provider batches; their ids."""
    if not pendings:
        return []
    check_max_cost(session, pendings, max_cost)
    submission = uuid.uuid4().hex
    reserve(session, pendings, submission)
    ids: list[str] = []
    try:
        for (provider, _), group in by_model(pendings).items():
            ids += await submit_model(session, provider, group, submission)
    finally:  # an upload that failed holds nothing: the reservation is what was recorded
        store.settle_submissions(session.db, [submission])
    return ids


def by_model(pendings: list[Pending]) -> dict[tuple[str, str], list[Pending]]:
    groups: dict[tuple[str, str], list[Pending]] = defaultdict(list)
    for pending in pendings:
        groups[(pending.model.provider, pending.model.name)].append(pending)
    return groups


async def submit_model(
    session: Session, provider: str, group: list[Pending], submission: str
) -> list[str]:
    api = session.api(provider)
    named = {f"orch-r{p.round}-{uuid.uuid4().hex[:24]}": p for p in group}
    requests = [BatchRequest(cid, p.model, p.params) for cid, p in named.items()]
    ids = []
    for part in split_requests(requests, api.limits, lambda r: len(api.line(r))):
        asked = [named[r.custom_id] for r in part]
        rows = [p.row(r.custom_id, submission) for p, r in zip(asked, part, strict=True)]
        token = uuid.uuid4().hex
        store.record_batch(session.db, batch_row(token, asked, submission), rows)
        batch_id = await create_batch(session, api, part, token)
        store.confirm_batch(session.db, token, batch_id)
        ids.append(batch_id)
    return ids


async def create_batch(
    session: Session, api: BatchAPI, part: list[BatchRequest], token: str
) -> str:
    """The provider batch of `part`, recorded as `submitting` under `token`: its id. When
    the provider refuses the upload or the creation (a 4xx, or a 429 or 529 it never
    stopped answering), nothing was created and the record goes; when the creation gets
    no answer (a timeout, a dropped connection) or a 5xx (the provider failed on its side,
    perhaps after creating the batch), whether the provider has the batch is unknown: the
    record stays for the next run to resolve."""
    provider, what = api.provider, f"submitting a batch of {len(part)} request(s)"
    creating = False
    try:
        file_id = await session.call(provider, what, partial(api.upload, part))
        if file_id is not None:
            store.set_file(session.db, token, file_id)
        creating = True  # from here on, a batch may exist without an answer saying so
        return await session.call(provider, what, partial(api.create, part, file_id, token))
    except ProviderBatchError as error:
        if creating and may_have_created(error.status):
            raise ProviderBatchError(
                f"{error}; whether {provider} accepted the batch is unknown: the next run "
                "finds out before submitting its prompts again"
            ) from error
        store.drop_submission(session.db, token)
        raise


def may_have_created(status: int | None) -> bool:
    """Whether a creation that failed with `status` may have created its batch all the same:
    no answer at all, or a server error (not 529, overloaded: like a 429, not processed)."""
    return status is None or (status >= 500 and status != 529)


def batch_row(token: str, asked: list[Pending], submission: str) -> dict:
    first = asked[0]
    return {
        "id": store.intent_id(token),
        "provider": first.model.provider,
        "model": first.model.name,
        "round": first.round,
        "submission": submission,
        "output": first.output,
        "state": store.SUBMITTING,
        "requests": len(asked),
        "reserved": worst_total(asked),
        "created": time.time(),
        "token": token,
        "pid": os.getpid(),
    }
