"""F8/F9: rate the answer on screen. The request shown (never an earlier one), and in an
ensemble the answer of the focused pane; while a request runs, or when the one on screen has
no answer, say why nothing is rated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import OrchError
from .widgets.pane import ModelPane

RUNNING = "wait until the answers are in: a request still running cannot be rated"
NOTHING = "no answer in the history to rate yet"
NOT_SHOWN = "the request on screen has no recorded answer to rate (cancelled or failed)"


@dataclass(frozen=True)
class RatingTarget:
    request_id: int
    attempt_no: int | None  # None: the request's accepted answer
    model: str


def rating_target(
    result: Any, panes: list[ModelPane], focused: ModelPane | None, running: bool
) -> RatingTarget | str:
    """What F8/F9 rates, or why nothing: `result` is the last result shown, `panes` the
    board's, `focused` the pane with the focus (None: the accepted answer is rated)."""
    if running:
        return RUNNING
    if result is None or result.history_id is None:
        return NOTHING
    own = {id(a) for a in result.attempts}
    if not any(id(p.attempt) in own for p in panes):
        return NOT_SHOWN
    attempt = focused.attempt if focused is not None and id(focused.attempt) in own else None
    if attempt is None and not result.success:
        return NOT_SHOWN
    if attempt is None or attempt.accepted:
        return RatingTarget(result.history_id, None, result.model_used or "")
    if attempt.status != "ok":
        return f"{attempt.model} gave no answer to rate ({attempt.status})"
    return RatingTarget(result.history_id, attempt.attempt_id, attempt.model)


def focused_pane(screen: Any) -> ModelPane | None:
    node = screen.focused
    while node is not None and not isinstance(node, ModelPane):
        node = node.parent
    return node


def run_in_flight(screen: Any) -> bool:
    return any(w.group == "run" and not w.is_finished for w in screen.workers)


def rate_on_screen(screen: Any, verdict: str) -> None:
    """Rate `verdict` ("good" or "bad") what `screen` shows, and say what was rated."""
    from ..store.ratings import rate_answer

    panes = list(screen.query(ModelPane))
    session = screen.app.session
    target = rating_target(session.last_result, panes, focused_pane(screen), run_in_flight(screen))
    if isinstance(target, str) or screen.app.db is None:
        screen.notify(target if isinstance(target, str) else NOTHING, severity="warning")
        return
    try:
        rate_answer(screen.app.db, target.request_id, target.attempt_no, verdict)
    except OrchError as error:
        screen.notify(str(error), severity="error")
        return
    screen.notify(f"request {target.request_id}: {target.model}'s answer rated {verdict}")
