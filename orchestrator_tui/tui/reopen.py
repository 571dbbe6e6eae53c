"""A past request shown again as it ended live: one pane per attempt with its figures, the
escalation reasons, the ensemble's scores and consensus, errors, and the rating, all read back
from the history database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..engine.details import Agreement, EnsembleVerdict, MemberScore
from ..engine.events import Attempt
from ..engine.status import AttemptStatus, RequestStatus
from ..types import Usage
from .widgets.board import PaneBoard, escalation_note

ESCALATING = {"fallback", "cheapest", "learned"}


@dataclass(frozen=True)
class ShownRequest:
    """A recorded request on the board, with what F8/F9 read of a live result
    (`tui.rating.rating_target`): its history id, the attempts its panes show, and whether
    it ended with an answer, and whose."""

    history_id: int
    attempts: list[Attempt]
    success: bool
    model_used: str | None


async def show_request(board: PaneBoard, record: dict[str, Any]) -> ShownRequest:
    """Fill an empty board with a recorded request (store.history.get_request)."""
    metadata = record.get("metadata") or {}
    board.strategy = record["strategy"]
    rows = record["attempts"]
    attempts = []
    for index, row in enumerate(rows):
        attempt = attempt_from_row(row)
        attempts.append(attempt)
        pane = await board.add_pane(row["model"], row["provider"] or "")
        board.panes[attempt.attempt_id] = pane
        await pane.finish(attempt)
        await pane.show_text(row["text"] or "*(not logged)*")
        following = rows[index + 1]["model"] if index + 1 < len(rows) else None
        if record["strategy"] in ESCALATING and not attempt.accepted:
            pane.set_note(escalation_note(following, why_not(attempt, metadata)))
    board.show_verdict(verdict_from(metadata), agreement_from(metadata))
    success = record["status"] == RequestStatus.OK
    return ShownRequest(record["id"], attempts, success, record["model_used"])


def why_not(attempt: Attempt, metadata: dict[str, Any]) -> str:
    """Why an escalating strategy went past this attempt, as the engine said it live."""
    if attempt.status != AttemptStatus.OK:
        return f"{attempt.status}: {attempt.error}" if attempt.error else str(attempt.status)
    threshold = metadata.get("threshold")
    if attempt.confidence is not None and threshold is not None:
        return f"confidence {attempt.confidence:.2f} < {threshold:.2f}"
    return "not accepted"


def verdict_from(metadata: dict[str, Any]) -> EnsembleVerdict | None:
    consensus = metadata.get("consensus")
    if not consensus:
        return None
    scores = tuple(MemberScore(**score) for score in metadata.get("scores", []))
    return EnsembleVerdict(consensus["level"], consensus["agreement"], scores)


def agreement_from(metadata: dict[str, Any]) -> Agreement | None:
    agreement = metadata.get("agreement")
    return Agreement(**agreement) if agreement else None


def attempt_from_row(row: dict) -> Attempt:
    usage = Usage(
        row["input_tokens"],
        row["output_tokens"],
        row["cache_read_tokens"],
        row["cache_write_tokens"],
        row["reasoning_tokens"],
    )
    return Attempt(
        row["attempt_no"],
        row["model"],
        row["provider"],
        AttemptStatus(row["status"]),
        row["text"] or "",
        usage,
        row["cost"],
        row["prices"] or {},
        row["latency"] or 0.0,
        row["time_to_first_token"],
        row["confidence"],
        row["error"],
        row["retries"],
        bool(row["accepted"]),
        cached=bool(row["cached"]),
        estimated=bool(row.get("estimated")),
    )
