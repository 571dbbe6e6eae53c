"""One attempt at one model: warm-up, budget, rate limit, stream, deadlines, and the one
retry loop.

Whatever a try raises ends as a classified error on the attempt, never as a crash, and
whatever a try may have cost is counted: the usage the API reported or, when a call that the
server had begun ends without it, an estimate marked as such.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import OrchError
from ..heuristics.tokens import estimate_text_tokens
from ..providers.base import (
    Provider,
    ProviderError,
    StartPart,
    StopPart,
    StreamPart,
    TextPart,
    UsagePart,
    classify_exception,
)
from ..types import ModelConfig, Usage
from .cost import charge_call, prices_used, worst_case_cost
from .events import (
    Attempt,
    AttemptFinished,
    AttemptStarted,
    BudgetRefused,
    RateLimitWait,
    RetryScheduled,
    TextDelta,
)
from .status import AttemptStatus

if TYPE_CHECKING:
    from .context import RunContext
    from .ratelimit import Ticket
    from .run_budget import Reservation


async def call_model(
    ctx: RunContext, model: ModelConfig, prepare_next: Sequence[ModelConfig] = ()
) -> Attempt:
    """Call `model` with retries; the finished attempt is emitted and recorded either way.
    `prepare_next`: models to get ready in the background once this one is (a chain's next)."""
    provider = ctx.provider_for(model)
    attempt = ctx.new_attempt(model, provider.name)
    ctx.emit(AttemptStarted(attempt.attempt_id, model.name, provider.name))
    start = None
    try:
        await provider.warm()  # importing an SDK is not the model's latency
        ctx.prepare(prepare_next)
        ctx.start_clock()
        start = ctx.clock()
        await retry_loop(ctx, model, provider, attempt)
    except asyncio.CancelledError:
        attempt.status, attempt.error = AttemptStatus.CANCELLED, "cancelled"
        raise
    except Exception as exc:  # a fault of orch itself: the attempt still ends, saying why
        attempt.status = AttemptStatus.ERROR
        attempt.error = ctx.describe(f"internal error: {type(exc).__name__}: {exc}")
        if isinstance(exc, OrchError):
            raise
    finally:
        attempt.latency = 0.0 if start is None else ctx.clock() - start
        await ctx.finish_attempt(attempt)
        ctx.emit(AttemptFinished(attempt))
    return attempt


async def retry_loop(
    ctx: RunContext, model: ModelConfig, provider: Provider, attempt: Attempt
) -> None:
    """Try until an answer, a budget refusal, an error not worth retrying, or no retries left."""
    attempt.prices = prices_used(model.prices)
    key = cache_key(ctx, model, provider) if ctx.uses_cache else None
    if key is not None and await answer_from_cache(ctx, model, attempt, key):
        return
    retries: Counter[bool] = Counter()  # by class: rate limits have an allowance of their own
    while True:
        try:
            await one_try(ctx, model, provider, attempt)
        except BudgetSkip as skip:
            attempt.status, attempt.error = AttemptStatus.SKIPPED, str(skip)
            return
        except ProviderError as error:
            if not await wait_to_retry(ctx, model, attempt, error, retries):
                attempt.status, attempt.error = AttemptStatus.ERROR, ctx.describe(str(error))
                return
            continue
        attempt.status = AttemptStatus.OK
        attempt.confidence = ctx.detector.score(ctx.request.prompt, attempt.text).score
        if key is not None:
            await ctx.store_quietly(
                "the response cache",
                ctx.engine.cache.put,
                key,
                model.name,
                provider.name,
                attempt.text,
                attempt.usage.as_dict(),
            )
        return


async def wait_to_retry(
    ctx: RunContext,
    model: ModelConfig,
    attempt: Attempt,
    error: ProviderError,
    retries: Counter[bool],
) -> bool:
    """Announce and wait out the retry `error` deserves; False when it deserves none. A 429
    also slows the shared limiter, so every request to the model paces itself."""
    rate_limited = error.kind == "rate_limit"
    if rate_limited:
        ctx.limiter.slow_down(model.name, error.retry_after, model.rpm)
    retries[rate_limited] += 1
    wait = (
        ctx.policy.delay(retries[rate_limited], error.retry_after, rate_limited)
        if error.retryable
        else None
    )
    if wait is None:
        return False
    attempt.retries += 1
    ctx.emit(
        RetryScheduled(
            attempt.attempt_id, model.name, attempt.retries, wait, ctx.describe(str(error))
        )
    )
    await asyncio.sleep(wait)
    return True


def cache_key(ctx: RunContext, model: ModelConfig, provider: Provider) -> str:
    """Exact match on provider, model, messages and parameters."""
    params = ctx.params
    payload = {
        "provider": provider.name,
        "model": model.wire_name,
        "system": params.system,
        "messages": [[m.role, m.content] for m in params.messages],
        "max_tokens": params.max_tokens,
        "temperature": params.temperature,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def answer_from_cache(
    ctx: RunContext, model: ModelConfig, attempt: Attempt, key: str
) -> bool:
    hit = await ctx.store_quietly("the response cache", ctx.engine.cache.get, key)
    if hit is None:
        return False
    attempt.text, _ = hit
    attempt.cached, attempt.status, attempt.stop_reason = True, AttemptStatus.OK, "cached"
    attempt.time_to_first_token = 0.0
    attempt.confidence = ctx.detector.score(ctx.request.prompt, attempt.text).score
    ctx.emit(TextDelta(attempt.attempt_id, model.name, attempt.text))
    return True


class BudgetSkip(Exception):
    """The call does not fit the remaining budget."""


@dataclass
class TryState:
    """What one try has received so far."""

    pieces: list[str] = field(default_factory=list)
    usage: Usage | None = None  # the latest the API reported
    started: bool = False  # the server accepted the call: it may bill from here on
    stop: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.pieces)


async def one_try(
    ctx: RunContext, model: ModelConfig, provider: Provider, attempt: Attempt
) -> None:
    """One HTTP call; what it used is added to the attempt even when it fails. The budget is
    reserved once the rate limiter admits the call, so a reservation is never held (and
    never expires) while the call waits for capacity."""
    ticket = await ctx.limiter.acquire(
        model.name,
        model.rpm,
        model.tpm,
        ctx.input_tokens + ctx.max_tokens,
        on_wait=lambda wait: ctx.emit(RateLimitWait(attempt.attempt_id, model.name, wait)),
    )
    persisted = ctx.engine.ledger.has_budgets  # what reserve_budget judges by, at this moment
    try:
        reservation = await reserve_budget(ctx, attempt, model)
    except BudgetSkip:
        ticket.settle(0)  # a refused call sends no tokens
        raise
    state = TryState()
    succeeded = False
    try:
        await stream_with_deadlines(ctx, model, provider, attempt, state, ticket)
        succeeded = True
    finally:
        usage, estimated = usage_to_charge(ctx, state, succeeded)
        if usage is not None:
            attempt.usage = attempt.usage + usage
            attempt.estimated = attempt.estimated or estimated
            ticket.settle(usage.input_tokens + usage.output_tokens)
        actual = charge_call(attempt, usage, model.prices)  # also sets attempt.cost, .prices
        ctx.budget.settle(reservation, actual)
        if persisted:  # a reservation was made in the store: settle that one, budgets or not
            await ctx.store_quietly(
                "the budget reservation", ctx.engine.ledger.settle, ctx, attempt, actual
            )


async def reserve_budget(ctx: RunContext, attempt: Attempt, model: ModelConfig) -> Reservation:
    """Hold the call's worst case in the run's pool and the persistent budgets, or skip it.
    The pool's hold is given back if the persistent budgets refuse or cannot be asked."""
    estimate = worst_case_cost(model, ctx.input_tokens, ctx.max_tokens)
    reservation = ctx.budget.reserve(estimate)
    if reservation is None:
        refusal = ctx.budget.refusal(estimate) or "the run's budget cannot hold it"
    elif not ctx.engine.ledger.has_budgets:
        return reservation  # no persistent budget to ask: no round trip to the store's thread
    else:
        try:
            refusal = await ctx.store(ctx.engine.ledger.reserve, ctx, attempt, model, estimate)
        except BaseException:
            ctx.budget.settle(reservation, 0.0)
            raise
    if refusal is None and reservation is not None:
        return reservation
    if reservation is not None:
        ctx.budget.settle(reservation, 0.0)
    ctx.emit(BudgetRefused(model.name, refusal, estimate, ctx.budget.remaining))
    raise BudgetSkip(f"skipped by budget: {refusal}")


def usage_to_charge(ctx: RunContext, state: TryState, succeeded: bool) -> tuple[Usage | None, bool]:
    """(usage, estimated): what the API reported or, when a call the server had begun ended
    without reporting it all, an estimate: input from the prompt, output from the text."""
    reported = state.usage
    if not (state.started or state.pieces or reported):
        return None, False  # refused before the server began: nothing to pay
    if succeeded and reported is not None:
        return reported, False
    output = estimate_text_tokens(state.text)
    if reported is not None and reported.input_tokens and reported.output_tokens >= output:
        return reported, False
    base = reported or Usage()
    return Usage(
        input_tokens=base.input_tokens or ctx.input_tokens,
        output_tokens=max(base.output_tokens, output),
        cache_read_tokens=base.cache_read_tokens,
        cache_write_tokens=base.cache_write_tokens,
        reasoning_tokens=base.reasoning_tokens,
    ), True


async def stream_with_deadlines(
    ctx: RunContext,
    model: ModelConfig,
    provider: Provider,
    attempt: Attempt,
    state: TryState,
    ticket: Ticket,
) -> None:
    """Stream one call under the first-token and total deadlines (from when the request is
    sent); demand a proper stop. Anything raised becomes a classified ProviderError. A call
    not streamed (`params.stream` False: its whole answer comes at once) has no first token
    to wait for: only the total deadline applies."""
    loop = asyncio.get_running_loop()
    total_deadline = loop.time() + ctx.timeouts.total
    streamed = ctx.params.stream
    first_deadline = (
        min(total_deadline, loop.time() + ctx.timeouts.first_token) if streamed else total_deadline
    )
    sent = ctx.clock()
    try:
        async with asyncio.timeout_at(first_deadline) as deadline:
            async with aclosing(provider.stream(model, ctx.params)) as parts:
                async for part in parts:
                    if not (state.started or state.pieces or state.usage):
                        ticket.touch(ctx.limiter.clock())
                    if isinstance(part, TextPart) and not state.pieces:
                        attempt.time_to_first_token = ctx.clock() - sent
                        deadline.reschedule(total_deadline)
                    take_part(ctx, model, attempt, state, part)
    except TimeoutError as exc:
        if not deadline.expired():
            raise classify_exception(exc, model.name) from exc
        raise ProviderError(
            timeout_message(ctx, model, bool(state.pieces) or not streamed), kind="timeout"
        ) from exc
    except ProviderError:
        raise
    except Exception as exc:  # a provider that let something else through
        raise classify_exception(exc, model.name) from exc
    finally:
        attempt.text = state.text
    if state.stop is None:
        raise ProviderError(
            f"{model.name}: the stream ended without a stop event (truncated)", kind="truncated"
        )
    attempt.stop_reason = state.stop


def take_part(
    ctx: RunContext, model: ModelConfig, attempt: Attempt, state: TryState, part: StreamPart
) -> None:
    if isinstance(part, TextPart):
        state.pieces.append(part.text)
        ctx.emit(TextDelta(attempt.attempt_id, model.name, part.text))
    elif isinstance(part, UsagePart):
        state.usage = part.usage
    elif isinstance(part, StopPart):
        state.stop = part.reason
    elif isinstance(part, StartPart):
        state.started = True


def timeout_message(ctx: RunContext, model: ModelConfig, started: bool) -> str:
    if started or ctx.timeouts.total <= ctx.timeouts.first_token:
        return f"{model.name}: not finished within {ctx.timeouts.total:g} s"
    return f"{model.name}: no first token within {ctx.timeouts.first_token:g} s"
