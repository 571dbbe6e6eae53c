"""`orch batch status` and `orch batch cancel`: the open provider batches as their providers
report them now, and cancelling them (what they answered is then collected)."""

from __future__ import annotations

import json
from typing import Any

from ..errors import UsageError
from ..store import provider_batches as store
from .provider_collect import Tally
from .provider_job import collect
from .provider_session import ProviderBatchError, Session


async def refresh(session: Session) -> list[dict[str, Any]]:
    """Every open batch with the provider's state and counts (the last ones recorded, with
    a note, when the provider cannot be asked)."""
    rows = []
    for row in store.open_batches(session.db):
        entry = {key: row[key] for key in ("id", "provider", "model", "round", "requests")}
        entry.update(output=row["output"], status=row["provider_status"] or "submitted")
        entry.update(counts=json.loads(row["counts"] or "{}"), finished=0)
        try:
            api = session.api(row["provider"])
            state = await session.call(
                row["provider"], f"retrieving {row['id']}", api.retrieve(row["id"])
            )
        except ProviderBatchError as error:
            session.note(f"orch: {error}")
        else:
            store.update_status(session.db, row["id"], state.status, state.counts)
            entry.update(status=state.status, counts=state.counts, finished=state.finished)
        rows.append(entry)
    return rows


async def cancel_batches(session: Session, batch_id: str | None) -> tuple[list[str], Tally]:
    """Cancel `batch_id` (an open batch) or every open one, then collect what ended."""
    rows = store.open_batches(session.db)
    if batch_id is not None:
        rows = [row for row in rows if row["id"] == batch_id]
        if not rows:
            raise UsageError(
                f"no open provider batch {batch_id!r} (`orch batch status` lists them)"
            )
    for row in rows:
        api = session.api(row["provider"])
        state = await session.call(
            row["provider"], f"cancelling {row['id']}", api.cancel(row["id"])
        )
        store.update_status(session.db, row["id"], state.status, state.counts)
    tally = Tally()
    await collect(session, None, tally)
    return [row["id"] for row in rows], tally
