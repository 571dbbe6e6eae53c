"""One attempt at one model: rate limit, budget, stream, timeouts, and the one retry loop."""

from __future__ import annotations

import asyncio
import hashlib
import json

from ..providers.base import ProviderError, StopPart, TextPart, UsagePart
from .cost import charge_call, prices_used, worst_case_cost
from .events import (Attempt, AttemptFinished, AttemptStarted, BudgetRefused, RateLimitWait,
                     RetryScheduled, TextDelta)


async def call_model(ctx, model) -> Attempt:
    """Call `model` with retries; the finished attempt is emitted and recorded either way."""
    provider = ctx.provider_for(model)
    attempt = ctx.new_attempt(model, provider.name)
    ctx.emit(AttemptStarted(attempt.attempt_id, model.name, provider.name))
    start = ctx.clock()
    try:
        await retry_loop(ctx, model, provider, attempt)
    except asyncio.CancelledError:
        attempt.status, attempt.error = "cancelled", "cancelled"
        raise
    finally:
        attempt.latency = ctx.clock() - start
        ctx.finish_attempt(attempt)
        ctx.emit(AttemptFinished(attempt))
    return attempt


async def retry_loop(ctx, model, provider, attempt: Attempt) -> None:
    """Try until an answer, a budget refusal, an error not worth retrying, or no retries left."""
    attempt.prices = prices_used(model.prices)
    key = cache_key(ctx, model, provider) if ctx.request.use_cache else None
    if key is not None and answer_from_cache(ctx, model, attempt, key):
        return
    while True:
        try:
            await one_try(ctx, model, provider, attempt)
            attempt.status = "ok"
            attempt.confidence = ctx.detector.score(ctx.request.prompt, attempt.text).score
            if key is not None:
                ctx.engine.cache.put(key, model.name, provider.name, attempt.text,
                                     attempt.usage.as_dict())
            return
        except BudgetSkip as skip:
            attempt.status, attempt.error = "skipped", str(skip)
            return
        except ProviderError as error:
            retry_number = attempt.retries + 1
            wait = ctx.policy.delay(retry_number, error.retry_after) if error.retryable else None
            if wait is None:
                attempt.status, attempt.error = "error", ctx.redact(str(error))
                return
            ctx.emit(RetryScheduled(attempt.attempt_id, model.name, retry_number, wait,
                                    ctx.redact(str(error))))
            await asyncio.sleep(wait)
            attempt.retries = retry_number


def cache_key(ctx, model, provider) -> str:
    """Exact match on provider, model, messages and parameters."""
    params = ctx.params
    payload = {"provider": provider.name, "model": model.wire_name, "system": params.system,
               "messages": [[m.role, m.content] for m in params.messages],
               "max_tokens": params.max_tokens, "temperature": params.temperature}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def answer_from_cache(ctx, model, attempt: Attempt, key: str) -> bool:
    hit = ctx.engine.cache.get(key)
    if hit is None:
        return False
    attempt.text, _ = hit
    attempt.cached, attempt.status, attempt.stop_reason = True, "ok", "cached"
    attempt.time_to_first_token = 0.0
    attempt.confidence = ctx.detector.score(ctx.request.prompt, attempt.text).score
    ctx.emit(TextDelta(attempt.attempt_id, model.name, attempt.text))
    return True


class BudgetSkip(Exception):
    """The call does not fit the remaining budget."""


async def one_try(ctx, model, provider, attempt: Attempt) -> None:
    """One HTTP call; its usage is added to the attempt even when it fails."""
    estimate = worst_case_cost(model, ctx.input_tokens, ctx.max_tokens)
    reservation = ctx.budget.reserve(estimate)
    refusal = ctx.budget.refusal(estimate) if reservation is None else \
        ctx.engine.ledger.reserve(ctx, attempt, model, estimate)
    if refusal is not None:
        if reservation is not None:
            ctx.budget.settle(reservation, 0.0)
        ctx.emit(BudgetRefused(model.name, refusal, estimate, ctx.budget.remaining))
        raise BudgetSkip(f"skipped by budget: {refusal}")
    ticket = await ctx.limiter.acquire(
        model.name, model.rpm, model.tpm, ctx.input_tokens + ctx.max_tokens,
        on_wait=lambda wait: ctx.emit(RateLimitWait(attempt.attempt_id, model.name, wait)))
    usage_box = []
    try:
        await stream_with_timeouts(ctx, model, provider, attempt, usage_box, ticket)
    finally:
        usage = usage_box[-1] if usage_box else None
        if usage is not None:
            attempt.usage = attempt.usage + usage
            ticket.settle(usage.input_tokens + usage.output_tokens)
        actual = charge_call(attempt, usage, model.prices)  # also sets attempt.cost, .prices
        ctx.budget.settle(reservation, actual)
        ctx.engine.ledger.settle(ctx, attempt, actual)


async def stream_with_timeouts(ctx, model, provider, attempt, usage_box, ticket) -> None:
    """Stream one call under the first-token and total deadlines; demand a proper stop."""
    loop = asyncio.get_running_loop()
    total_deadline = loop.time() + ctx.timeouts.total
    sent = ctx.clock()
    pieces: list[str] = []
    stopped = None
    try:
        async with asyncio.timeout(min(total_deadline, loop.time() + ctx.timeouts.first_token)) as cm:
            async for part in provider.stream(model, ctx.params):
                if stopped is None and not usage_box and not pieces:
                    ticket.touch(ctx.limiter.clock())
                if isinstance(part, TextPart):
                    if not pieces:
                        attempt.time_to_first_token = ctx.clock() - sent
                        cm.reschedule(total_deadline)
                    pieces.append(part.text)
                    ctx.emit(TextDelta(attempt.attempt_id, model.name, part.text))
                elif isinstance(part, UsagePart):
                    usage_box.append(part.usage)
                elif isinstance(part, StopPart):
                    stopped = part.reason
    except TimeoutError as exc:
        raise ProviderError(timeout_message(ctx, model, bool(pieces)), kind="timeout") from exc
    finally:
        attempt.text = "".join(pieces)
    if stopped is None:
        raise ProviderError(f"{model.name}: the stream ended without a stop event (truncated)",
                            kind="truncated")
    attempt.stop_reason = stopped


def timeout_message(ctx, model, started: bool) -> str:
    if started:
        return f"{model.name}: not finished within {ctx.timeouts.total:g} s"
    return f"{model.name}: no first token within {ctx.timeouts.first_token:g} s"
