"""The loop `cheapest`, `fallback` and `learned` share: call the models in turn, getting the
next one ready meanwhile, until an answer is accepted; announce each escalation (an
Escalated event after the failed or refused attempt's own events)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ...types import ModelConfig
from ..call import call_model
from ..events import Attempt
from ..results import attempt_failure
from ..status import AttemptStatus

if TYPE_CHECKING:
    from ..context import RunContext


def answered(attempt: Attempt) -> bool:
    return attempt.status == AttemptStatus.OK


async def escalate_along(
    ctx: RunContext,
    models: Sequence[ModelConfig],
    accept: Callable[[Attempt], bool] = answered,
    reason: Callable[[Attempt], str] = attempt_failure,
) -> tuple[Attempt | None, list[Attempt]]:
    """(the accepted attempt or None, every attempt made, in order). `accept` decides whether
    an attempt ends the loop (default: it answered); `reason` says why one did not."""
    tried: list[Attempt] = []
    for index, model in enumerate(models):
        following = models[index + 1 : index + 2]
        attempt = await call_model(ctx, model, prepare_next=following)
        tried.append(attempt)
        if accept(attempt):
            return attempt, tried
        ctx.escalate(model.name, following[0].name if following else None, reason(attempt))
    return None, tried
