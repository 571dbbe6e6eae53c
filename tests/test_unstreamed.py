"""Calls not streamed (`Request.stream = False`, as `orch batch` makes them), through the real
SDK clients' `post` (their interface for raw requests) against the fake server: the same text,
usage and cost as the streamed call, every fault classified as the stream's would be, and only
the total deadline."""

from __future__ import annotations

import json

import pytest

from orchestrator_tui.config import ModelEntry, ProviderEntry
from orchestrator_tui.engine import Request
from orchestrator_tui.engine.events import RetryScheduled, TextDelta
from orchestrator_tui.heuristics.tokens import estimate_text_tokens
from orchestrator_tui.providers.base import CallParams, StopPart, TextPart, UsagePart
from orchestrator_tui.types import Message

from .conftest import api_environ, fast_settings, run_collect
from .fake_server import DEFAULT_TEXT, Gate, Reply
from .test_cli import orch

ANTHROPIC_MODEL = "test-small-a"
OPENAI_MODEL = "test-small-o"
BOTH = [ANTHROPIC_MODEL, OPENAI_MODEL]


def no_retries(**timeouts):
    settings = fast_settings()
    settings.retries.max_retries = 0
    for key, value in timeouts.items():
        setattr(settings.timeouts, key, value)
    return settings


def whole(model: str, **fields) -> Request:
    return Request("Capital of France?", model=model, strategy="single", stream=False, **fields)


def retry_reasons(events) -> list[str]:
    return [e.reason for e in events if isinstance(e, RetryScheduled)]


def asked_for_a_stream(call: dict) -> bool:
    return bool(call["body"].get("stream"))


# --- the same answer either way -------------------------------------------------------


@pytest.mark.parametrize("model", BOTH)
async def test_both_paths_give_the_same_text_usage_and_cost(make_engine, fake_api, model):
    for _ in range(2):
        fake_api.script(
            Reply(
                text="Paris is the capital of France.",
                input_tokens=1200,
                output_tokens=300,
                cached_tokens=200,
            )
        )
    engine = make_engine()
    streamed, streamed_events = await run_collect(
        engine, Request("Capital of France?", model=model, strategy="single")
    )
    unstreamed, unstreamed_events = await run_collect(engine, whole(model))
    assert [asked_for_a_stream(call) for call in fake_api.requests] == [True, False]
    assert streamed.success and unstreamed.success
    assert unstreamed.response == streamed.response == "Paris is the capital of France."
    a, b = streamed.attempts[0], unstreamed.attempts[0]
    assert b.usage == a.usage and (b.usage.input_tokens, b.usage.output_tokens) == (1200, 300)
    assert b.usage.cache_read_tokens == 200
    assert b.cost == pytest.approx(a.cost) and b.cost > 0 and not b.estimated
    assert b.stop_reason == a.stop_reason
    assert len([e for e in streamed_events if isinstance(e, TextDelta)]) > 3
    assert [e.text for e in unstreamed_events if isinstance(e, TextDelta)] == [b.text]


@pytest.mark.parametrize("model", BOTH)
async def test_the_provider_yields_the_same_parts_in_one_piece(make_engine, fake_api, model):
    """The provider itself: text, final usage and stop alike; the whole answer in one part."""
    engine = make_engine()
    config = engine.registry.model(model)
    provider = engine.provider_for(config)

    async def parts(stream: bool):
        params = CallParams([Message("user", "hi")], None, 100, None, stream=stream)
        return [part async for part in provider.stream(config, params)]

    streamed, unstreamed = await parts(True), await parts(False)

    def summary(parts):
        text = "".join(p.text for p in parts if isinstance(p, TextPart))
        usage = [p.usage for p in parts if isinstance(p, UsagePart)][-1]
        stop = [p.reason for p in parts if isinstance(p, StopPart)]
        return text, usage, stop

    assert summary(unstreamed) == summary(streamed)
    assert summary(unstreamed)[0] == DEFAULT_TEXT
    assert len([p for p in unstreamed if isinstance(p, TextPart)]) == 1


async def test_the_unstreamed_openai_call_asks_no_stream_options(make_engine, fake_api):
    await run_collect(make_engine(), whole(OPENAI_MODEL, max_tokens=77, system="be brief"))
    [call] = fake_api.requests
    assert call["path"] == "/v1/chat/completions"
    assert "stream" not in call["body"] and "stream_options" not in call["body"]
    assert call["body"]["max_completion_tokens"] == 77
    assert call["body"]["messages"][0] == {"role": "system", "content": "be brief"}


async def test_the_unstreamed_anthropic_call_keeps_the_sdk_auth_and_version(make_engine, fake_api):
    await run_collect(make_engine(), whole(ANTHROPIC_MODEL, max_tokens=77))
    [call] = fake_api.requests
    assert call["path"] == "/v1/messages" and "stream" not in call["body"]
    assert call["body"]["max_tokens"] == 77
    assert "anthropic-version" in call["headers"]
    assert api_environ(fake_api)["ANTHROPIC_API_KEY"] in (
        call["headers"].get("authorization", "") + call["headers"].get("x-api-key", "")
    )


async def test_a_large_max_tokens_is_sent_unstreamed(make_engine, fake_api):
    """The SDK refuses an unstreamed call with a large max_tokens only under its default
    timeout; orch passes its own."""
    result, _ = await run_collect(make_engine(), whole(ANTHROPIC_MODEL, max_tokens=64000))
    assert result.success and fake_api.requests[0]["body"]["max_tokens"] == 64000


# --- faults, classified as on the streamed path -----------------------------------------


@pytest.mark.parametrize("model", BOTH)
async def test_429_retry_after_is_honoured(make_engine, fake_api, model):
    fake_api.script(
        Reply(status=429, error_type="rate_limit_error", headers={"retry-after": "0.4"})
    )
    result, events = await run_collect(make_engine(), whole(model))
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert result.success and len(retries) == 1 and 0.4 <= retries[0].wait <= 0.6
    assert "429" in retries[0].reason


@pytest.mark.parametrize("model", BOTH)
@pytest.mark.parametrize(("status", "error_type"), [(529, "overloaded_error"), (500, "api_error")])
async def test_server_errors_are_retried(make_engine, fake_api, model, status, error_type):
    fake_api.script(Reply(status=status, error_type=error_type))
    result, events = await run_collect(make_engine(), whole(model))
    assert result.success and result.response == DEFAULT_TEXT
    assert any(str(status) in reason for reason in retry_reasons(events))


@pytest.mark.parametrize("model", BOTH)
async def test_a_client_error_is_not_retried(make_engine, fake_api, model):
    fake_api.script(Reply(status=400, error_type="invalid_request_error"))
    result, events = await run_collect(make_engine(), whole(model))
    assert not result.success and not retry_reasons(events) and len(fake_api.requests) == 1
    assert "400" in result.attempts[0].error and not result.attempts[0].estimated


@pytest.mark.parametrize("model", BOTH)
async def test_a_body_that_is_not_json_is_malformed_retried_and_charged(
    make_engine, fake_api, model
):
    fake_api.script(Reply(malformed_after=0))
    result, events = await run_collect(make_engine(), whole(model))
    assert result.success and result.response == DEFAULT_TEXT and len(fake_api.requests) == 2
    assert any("unreadable answer" in reason for reason in retry_reasons(events))

    fake_api.script(Reply(malformed_after=0))
    result, _ = await run_collect(make_engine(no_retries()), whole(model))
    [attempt] = result.attempts
    assert attempt.status == "error" and "unreadable answer" in attempt.error
    assert attempt.estimated and attempt.cost > 0  # the server answered: it may bill


@pytest.mark.parametrize("model", BOTH)
async def test_an_error_object_with_status_200_is_classified_by_its_type(
    make_engine, fake_api, model
):
    fake_api.script(Reply(stream_error="overloaded_error"))
    result, events = await run_collect(make_engine(), whole(model))
    assert result.success and len(fake_api.requests) == 2
    assert any("error in the answer" in reason for reason in retry_reasons(events))

    fake_api.script(Reply(stream_error="invalid_request_error"))
    result, events = await run_collect(make_engine(), whole(model))
    assert not result.success and not retry_reasons(events)


@pytest.mark.parametrize("model", BOTH)
async def test_an_answer_without_a_stop_reason_is_truncated(make_engine, fake_api, model):
    fake_api.script(Reply(truncate=True))
    result, _ = await run_collect(make_engine(no_retries()), whole(model))
    [attempt] = result.attempts
    assert not result.success and "truncated" in attempt.error
    assert attempt.text == DEFAULT_TEXT and not attempt.accepted and attempt.cost > 0


@pytest.mark.parametrize("model", BOTH)
async def test_an_answer_without_usage_is_malformed_and_retried(make_engine, fake_api, model):
    fake_api.script(Reply(omit_usage=True))
    result, events = await run_collect(make_engine(), whole(model))
    assert result.success and result.response == DEFAULT_TEXT
    assert result.attempts[0].estimated  # the first try answered, without usage: estimated
    [reason] = retry_reasons(events)
    assert "malformed" in reason or "unreadable answer" in reason


async def test_a_server_that_reports_no_usage_is_estimated_when_it_says_so(make_engine, fake_api):
    settings = fast_settings(
        providers={
            "local": ProviderEntry(kind="openai", base_url=fake_api.url + "/v1", stream_usage=False)
        }
    )
    settings.models["local-llm"] = ModelEntry(
        provider="local", input_cost_per_mtok=1.0, output_cost_per_mtok=2.0
    )
    fake_api.script(Reply(omit_usage=True))
    result, _ = await run_collect(make_engine(settings), whole("local-llm"))
    [attempt] = result.attempts
    assert result.success and attempt.estimated and attempt.cost > 0
    assert attempt.usage.output_tokens == estimate_text_tokens(DEFAULT_TEXT)


@pytest.mark.parametrize("model", BOTH)
async def test_connection_dropped_mid_body_is_retried(make_engine, fake_api, model):
    fake_api.script(Reply(break_after=0))
    result, events = await run_collect(make_engine(), whole(model))
    assert result.success and result.attempts[0].retries == 1
    assert retry_reasons(events)


# --- deadlines: the total one only -------------------------------------------------------


@pytest.mark.parametrize("model", BOTH)
async def test_the_first_token_deadline_does_not_cut_a_long_whole_answer(
    make_engine, fake_api, model
):
    # the answer takes 1.3 s to be written: beyond the first-token deadline, and beyond the
    # SDK's read timeout of a streamed call (first_token + 1 s)
    fake_api.script(Reply(delay_before_headers=1.3))
    result, _ = await run_collect(make_engine(no_retries(first_token=0.1, total=30)), whole(model))
    assert result.success and result.response == DEFAULT_TEXT


@pytest.mark.parametrize("model", BOTH)
@pytest.mark.parametrize("after", [None, 0], ids=["before-headers", "before-body"])
async def test_a_stall_beyond_the_total_deadline_times_out(make_engine, fake_api, model, after):
    gate = Gate(after=after)
    fake_api.script(Reply(gate=gate))
    result, _ = await run_collect(make_engine(no_retries(first_token=0.1, total=0.5)), whole(model))
    assert gate.reached.is_set()
    [attempt] = result.attempts
    assert attempt.error == f"{model}: not finished within 0.5 s"
    assert attempt.text == "" and attempt.time_to_first_token is None


@pytest.mark.parametrize("model", BOTH)
async def test_a_stalled_try_is_retried_and_the_retry_answers(make_engine, fake_api, model):
    fake_api.script(Reply(gate=Gate(after=0)))
    settings = fast_settings()
    settings.timeouts.total = 0.5
    result, events = await run_collect(make_engine(settings), whole(model))
    assert result.success and result.response == DEFAULT_TEXT
    assert any("not finished within" in reason for reason in retry_reasons(events))


# --- orch batch -----------------------------------------------------------------------------


async def test_orch_batch_asks_for_no_stream_and_records_the_same_answers(
    isolated_home, tmp_path, fake_api, make_engine
):
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "prompt": f"What is {i} + 1?", "model": model}) + "\n"
            for i, model in enumerate(BOTH)
        )
    )
    out = tmp_path / "out.jsonl"
    proc = orch(
        "batch",
        str(source),
        "-o",
        str(out),
        "--json",
        "--no-cache",
        "--quiet",
        home=isolated_home,
        env_extra=api_environ(fake_api),
    )
    assert proc.returncode == 0, proc.stderr
    assert len(fake_api.requests) == 2
    assert not any(asked_for_a_stream(call) for call in fake_api.requests)
    records = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    engine = make_engine()
    for i, model in enumerate(BOTH):
        streamed = await engine.run_to_result(
            Request(f"What is {i} + 1?", model=model, strategy="single", use_cache=False)
        )
        record = records[f"p{i}"]
        expected = streamed.to_dict()
        assert set(record) == {"id", "request_hash", "status", *expected}
        for key in ("response", "model_used", "provider", "input_tokens", "output_tokens"):
            assert record[key] == expected[key], key
        assert record["cost"] == pytest.approx(expected["cost"])
        [attempt], [expected_attempt] = record["attempts"], expected["attempts"]
        assert set(attempt) == set(expected_attempt)
        assert attempt["stop_reason"] == expected_attempt["stop_reason"]
        assert not attempt["estimated"] and attempt["retries"] == 0
        assert record["status"] == "ok" and record["success"]
