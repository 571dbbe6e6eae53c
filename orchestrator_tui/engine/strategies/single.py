"""`single`: the one model the caller named."""

from __future__ import annotations

from ...errors import UsageError
from ..call import call_model
from ..events import RoutingDecided
from ..results import build_result, failure_summary


async def run_single(ctx):
    if not ctx.request.model:
        raise UsageError("the single strategy needs a model: -m MODEL")
    [model] = ctx.usable_models([ctx.registry.model(ctx.request.model)])
    ctx.candidates = [model]
    ctx.emit(RoutingDecided("single", [model.name], ["the model was named by the caller"]))
    attempt = await call_model(ctx, model)
    if attempt.status == "ok":
        return build_result(ctx, attempt)
    return build_result(ctx, None, error=failure_summary([attempt]))
