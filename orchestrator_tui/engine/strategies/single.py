"""`single`: the one model the caller named."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import UsageError
from ..call import call_model
from ..events import OrchestrationResult, RoutingDecided
from ..results import build_result, failure_summary
from ..status import AttemptStatus

if TYPE_CHECKING:
    from ..context import RunContext


async def run_single(ctx: RunContext) -> OrchestrationResult:
    if not ctx.request.model:
        raise UsageError("the single strategy needs a model: -m MODEL")
    [model] = ctx.usable_models([ctx.registry.model(ctx.request.model)])
    ctx.candidates = [model]
    ctx.emit(RoutingDecided("single", [model.name], ["the model was named by the caller"]))
    attempt = await call_model(ctx, model)
    if attempt.status == AttemptStatus.OK:
        return build_result(ctx, attempt)
    return build_result(ctx, None, error=failure_summary([attempt]))
