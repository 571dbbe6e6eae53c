"""Both providers through the real SDKs against the loopback fake server."""

from __future__ import annotations

import asyncio

import pytest

from orchestrator_tui.engine import Request
from orchestrator_tui.engine.events import AttemptFinished, RetryScheduled, TextDelta

from .conftest import ANTHROPIC_KEY, OPENAI_KEY, fast_settings, run_collect
from .fake_server import Gate, Reply

ANTHROPIC_MODEL = "test-small-a"
OPENAI_MODEL = "test-small-o"


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, OPENAI_MODEL])
async def test_streams_text_and_usage_and_prices_it(make_engine, fake_api, model):
    fake_api.script(
        Reply(
            text="Paris is the capital of France.",
            input_tokens=1200,
            output_tokens=300,
            cached_tokens=200,
        )
    )
    engine = make_engine()
    result, events = await run_collect(
        engine, Request("Capital of France?", model=model, strategy="single")
    )
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert "".join(deltas) == "Paris is the capital of France."
    assert len(deltas) > 3  # it really streamed
    attempt = result.attempts[0]
    assert (attempt.usage.input_tokens, attempt.usage.output_tokens) == (1200, 300)
    assert attempt.usage.cache_read_tokens == 200
    prices = engine.registry.model(model).prices
    expected = (1000 * prices.input + 200 * prices.cache_read + 300 * prices.output) / 1e6
    assert result.cost == pytest.approx(expected)
    assert attempt.prices["input_per_mtok"] == prices.input
    assert result.provider == engine.registry.model(model).provider
    assert attempt.time_to_first_token is not None and attempt.stop_reason


async def test_requests_carry_the_right_parameters(make_engine, fake_api):
    engine = make_engine()
    anthropic_result, _ = await run_collect(
        engine,
        Request(
            "hi",
            model=ANTHROPIC_MODEL,
            strategy="single",
            system="be brief",
            max_tokens=77,
            temperature=0.3,
        ),
    )
    await run_collect(engine, Request("hi", model=OPENAI_MODEL, strategy="single", max_tokens=77))
    anthropic_call, openai_call = fake_api.requests
    assert anthropic_result.success and "temperature" not in anthropic_call["body"]
    assert anthropic_call["path"] == "/v1/messages"
    assert anthropic_call["body"]["max_tokens"] == 77
    assert anthropic_call["body"]["system"] == "be brief"
    assert ANTHROPIC_KEY in anthropic_call["headers"].get("authorization", "") + anthropic_call[
        "headers"
    ].get("x-api-key", "")
    assert openai_call["path"] == "/v1/chat/completions"
    assert openai_call["body"]["stream_options"] == {"include_usage": True}
    assert openai_call["body"]["max_completion_tokens"] == 77  # a reasoning model
    assert openai_call["headers"]["authorization"] == f"Bearer {OPENAI_KEY}"


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, OPENAI_MODEL])
async def test_429_retry_after_is_honoured(make_engine, fake_api, model):
    fake_api.script(
        Reply(status=429, error_type="rate_limit_error", headers={"retry-after": "0.4"})
    )
    result, events = await run_collect(make_engine(), Request("hi", model=model, strategy="single"))
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert result.success and len(retries) == 1
    assert 0.4 <= retries[0].wait <= 0.6  # what the server asked, plus jitter
    first, second = fake_api.calls(model)
    assert second["time"] - first["time"] >= 0.4


async def test_retry_after_ms_wins_over_retry_after(make_engine, fake_api):
    fake_api.script(Reply(status=429, headers={"retry-after-ms": "150", "retry-after": "30"}))
    result, events = await run_collect(
        make_engine(), Request("hi", model=OPENAI_MODEL, strategy="single")
    )
    [wait] = [e.wait for e in events if isinstance(e, RetryScheduled)]
    assert 0.15 <= wait <= 0.3 and result.success


async def test_529_exhausts_retries_then_fallback_moves_on(make_engine, fake_api):
    overloaded = Reply(status=529, error_type="overloaded_error")
    fake_api.script(overloaded, overloaded, overloaded, model=ANTHROPIC_MODEL)
    result, _ = await run_collect(
        make_engine(), Request("hi", strategy="fallback", models=[ANTHROPIC_MODEL, OPENAI_MODEL])
    )
    assert len(fake_api.calls(ANTHROPIC_MODEL)) == 3  # first try + 2 retries
    assert [a.status for a in result.attempts] == ["error", "ok"]
    assert "529" in result.attempts[0].error
    assert result.model_used == OPENAI_MODEL


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_are_not_retried(make_engine, fake_api, status):
    fake_api.script(Reply(status=status, error_type="authentication_error"))
    result, events = await run_collect(
        make_engine(), Request("hi", model=ANTHROPIC_MODEL, strategy="single")
    )
    assert not result.success and len(fake_api.requests) == 1
    assert not [e for e in events if isinstance(e, RetryScheduled)]
    assert str(status) in result.metadata["error"]


async def test_auth_error_never_shows_the_key(make_engine, fake_api):
    fake_api.script(Reply(status=401, error_type="authentication_error"), model=OPENAI_MODEL)
    result, events = await run_collect(
        make_engine(), Request("hi", model=OPENAI_MODEL, strategy="single")
    )
    everything = repr(result.to_dict()) + repr(events)
    assert "API key" in result.metadata["error"]
    assert OPENAI_KEY not in everything and ANTHROPIC_KEY not in everything


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, OPENAI_MODEL])
async def test_first_token_timeout_is_retried(make_engine, fake_api, model):
    settings = fast_settings()
    settings.timeouts.first_token = 1.0  # the retry's first token comes well within it
    settings.timeouts.total = 600.0  # only the first-token deadline can end the held call
    fake_api.script(Reply(gate=Gate()))  # no headers until the test ends
    result, events = await asyncio.wait_for(
        run_collect(make_engine(settings), Request("hi", model=model, strategy="single")),
        timeout=60,
    )
    assert result.success
    retry = next(e for e in events if isinstance(e, RetryScheduled))
    assert "timed out" in retry.reason or "first token" in retry.reason


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, OPENAI_MODEL])
async def test_truncated_stream_is_a_failure_not_an_answer(make_engine, fake_api, model):
    settings = fast_settings()
    settings.retries.max_retries = 0
    fake_api.script(Reply(truncate=True))
    result, _ = await run_collect(
        make_engine(settings), Request("hi", model=model, strategy="single")
    )
    assert not result.success
    assert "truncated" in result.attempts[0].error


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, OPENAI_MODEL])
async def test_broken_connection_mid_stream_is_retried_and_paid_usage_kept(
    make_engine, fake_api, model
):
    fake_api.script(Reply(break_after=3, input_tokens=1000))
    result, events = await run_collect(make_engine(), Request("hi", model=model, strategy="single"))
    assert result.success and len(fake_api.requests) == 2
    retry = next(e for e in events if isinstance(e, RetryScheduled))
    assert "connection" in retry.reason or "truncated" in retry.reason
    attempt = result.attempts[0]
    if model == ANTHROPIC_MODEL:  # message_start reported input usage before the break
        assert attempt.usage.input_tokens == 1000 + 25
    assert result.response.startswith("The capital of France")


async def test_anthropic_error_event_mid_stream_is_retried(make_engine, fake_api):
    fake_api.script(Reply(stream_error="overloaded_error"))
    result, events = await run_collect(
        make_engine(), Request("hi", model=ANTHROPIC_MODEL, strategy="single")
    )
    assert result.success and len(fake_api.requests) == 2
    assert any("Overloaded" in e.reason for e in events if isinstance(e, RetryScheduled))


async def test_retry_discards_the_failed_try_text(make_engine, fake_api):
    fake_api.script(Reply(text="broken answer that never ends", break_after=2))
    result, events = await run_collect(
        make_engine(), Request("hi", model=OPENAI_MODEL, strategy="single")
    )
    finished = next(e.attempt for e in events if isinstance(e, AttemptFinished))
    assert finished.text == result.response and "broken" not in result.response
