"""`orch rate ID good|bad`: rate an answer in the history yourself."""

from __future__ import annotations

from typing import Annotated

import typer

from ..state import STATE


def rate(
    request_id: Annotated[
        int, typer.Argument(metavar="ID", help="The request's id (orch history).")
    ],
    verdict: Annotated[str, typer.Argument(metavar="good|bad")],
):
    """Rate an answer in the history: the signal `orch router train --from-history` learns."""
    from ...store.ratings import rate as store_rating

    store_rating(STATE.db(write=True), request_id, verdict.lower())
    print(f"request {request_id} rated {verdict.lower()}")
