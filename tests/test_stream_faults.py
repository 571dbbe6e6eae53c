"""Every fault the wire can carry, driven through the real SDKs against the fake server:
what orch does with it (retry, fail over, deadline) and what it records as paid."""

from __future__ import annotations

import pytest

from orchestrator_tui.config import ModelEntry, ProviderEntry
from orchestrator_tui.engine import Request
from orchestrator_tui.engine.cost import compute_cost
from orchestrator_tui.engine.events import AttemptFinished, RetryScheduled
from orchestrator_tui.heuristics.tokens import estimate_text_tokens

from .conftest import fast_settings, run_collect
from .fake_server import DEFAULT_TEXT, Gate, Reply

ANTHROPIC_MODEL = "test-small-a"
OPENAI_MODEL = "test-small-o"
BOTH = [ANTHROPIC_MODEL, OPENAI_MODEL]


def other_model(model: str) -> str:
    return OPENAI_MODEL if model == ANTHROPIC_MODEL else ANTHROPIC_MODEL


def no_retries(**timeouts):
    settings = fast_settings()
    settings.retries.max_retries = 0
    for key, value in timeouts.items():
        setattr(settings.timeouts, key, value)
    return settings


def retry_reasons(events) -> list[str]:
    return [e.reason for e in events if isinstance(e, RetryScheduled)]


async def single(engine, model):
    return await run_collect(engine, Request("hi", model=model, strategy="single"))


# --- chunks that cannot be read --------------------------------------------------------


@pytest.mark.parametrize("model", BOTH)
async def test_malformed_chunk_is_retried_and_the_retry_answers(make_engine, fake_api, model):
    fake_api.script(Reply(malformed_after=2))
    result, events = await single(make_engine(), model)
    assert result.success and len(fake_api.requests) == 2
    assert any("unreadable stream chunk" in reason for reason in retry_reasons(events))
    assert result.response == DEFAULT_TEXT  # the broken try's text is gone


@pytest.mark.parametrize("model", BOTH)
async def test_malformed_chunk_fails_over_and_its_partial_answer_is_never_accepted(
    make_engine, fake_api, model
):
    fake_api.script(Reply(malformed_after=2), model=model)
    result, _ = await run_collect(
        make_engine(no_retries()),
        Request("hi", strategy="fallback", models=[model, other_model(model)]),
    )
    broken, answered = result.attempts
    assert (broken.status, answered.status) == ("error", "ok")
    assert "unreadable stream chunk" in broken.error and not broken.accepted
    assert result.model_used == other_model(model) and result.response == DEFAULT_TEXT
    assert broken.estimated and broken.cost > 0  # the server began: the call is charged


# --- error events inside a stream ----------------------------------------------------


@pytest.mark.parametrize("model", BOTH)
@pytest.mark.parametrize("error_type", ["overloaded_error", "rate_limit_error", "api_error"])
async def test_retryable_error_event_mid_stream_is_retried(
    make_engine, fake_api, model, error_type
):
    fake_api.script(Reply(stream_error=error_type))
    result, events = await single(make_engine(), model)
    assert result.success and len(fake_api.requests) == 2
    assert any("stream error" in reason for reason in retry_reasons(events))


@pytest.mark.parametrize("model", BOTH)
async def test_client_error_event_mid_stream_fails_over_without_retry(make_engine, fake_api, model):
    fake_api.script(Reply(stream_error="invalid_request_error"), model=model)
    result, events = await run_collect(
        make_engine(), Request("hi", strategy="fallback", models=[model, other_model(model)])
    )
    assert not retry_reasons(events) and len(fake_api.calls(model)) == 1
    assert [a.status for a in result.attempts] == ["error", "ok"]
    assert "stream error" in result.attempts[0].error


# --- streams cut short ---------------------------------------------------------------


async def test_openai_stream_cut_before_its_usage_is_truncated_not_an_answer(make_engine, fake_api):
    fake_api.script(Reply(cut_before_usage=True))
    result, _ = await single(make_engine(no_retries()), OPENAI_MODEL)
    [attempt] = result.attempts
    assert not result.success and "truncated" in attempt.error
    assert "stream_usage = false" in attempt.error  # the way out for a server without usage
    assert attempt.estimated and attempt.usage.output_tokens == estimate_text_tokens(DEFAULT_TEXT)
    assert attempt.cost > 0


async def test_a_server_that_reports_no_usage_can_say_so_and_is_estimated(make_engine, fake_api):
    settings = fast_settings(
        providers={
            "local": ProviderEntry(kind="openai", base_url=fake_api.url + "/v1", stream_usage=False)
        }
    )
    settings.models["local-llm"] = ModelEntry(
        provider="local", input_cost_per_mtok=1.0, output_cost_per_mtok=2.0
    )
    fake_api.script(Reply(cut_before_usage=True))
    result, _ = await single(make_engine(settings), "local-llm")
    [attempt] = result.attempts
    assert result.success and attempt.estimated and attempt.cost > 0


@pytest.mark.parametrize("model", BOTH)
async def test_call_cut_mid_stream_is_charged_an_estimate(make_engine, fake_api, model):
    fake_api.script(Reply(break_after=3, input_tokens=1000))
    result, _ = await single(make_engine(no_retries()), model)
    [attempt] = result.attempts
    assert attempt.status == "error" and attempt.estimated
    received = "".join(Reply().chunks()[:3])
    assert attempt.text == received
    assert attempt.usage.output_tokens == estimate_text_tokens(received)
    if model == ANTHROPIC_MODEL:  # message_start reported the input before the cut
        assert attempt.usage.input_tokens == 1000
    else:  # nothing reported: the prompt's estimate
        assert attempt.usage.input_tokens > 0
    prices = make_engine().registry.model(model).prices
    assert attempt.cost == pytest.approx(compute_cost(attempt.usage, prices)) and attempt.cost > 0


@pytest.mark.parametrize("model", BOTH)
async def test_connection_dropped_before_headers_is_retried_and_costs_nothing(
    make_engine, fake_api, model
):
    fake_api.script(Reply(drop_before_headers=True))
    result, events = await single(make_engine(), model)
    assert result.success and result.attempts[0].retries == 1
    assert any("connection failed" in reason for reason in retry_reasons(events))
    assert not result.attempts[0].estimated


# --- deadlines -------------------------------------------------------------------------


@pytest.mark.parametrize("model", BOTH)
async def test_total_deadline_fires_while_the_server_holds_the_headers(
    make_engine, fake_api, model
):
    """Before the fix, a 7 s reply succeeded under `total = 3`: the deadline never fired."""
    fake_api.script(Reply(gate=Gate()))
    result, _ = await single(make_engine(no_retries(first_token=60, total=0.5)), model)
    assert not result.success
    assert result.attempts[0].error == f"{model}: not finished within 0.5 s"


@pytest.mark.parametrize("model", BOTH)
async def test_first_token_deadline_fires_after_headers_without_a_token(
    make_engine, fake_api, model
):
    fake_api.script(Reply(gate=Gate(after=0)))
    result, _ = await single(make_engine(no_retries(first_token=0.3, total=30)), model)
    attempt = result.attempts[0]
    assert attempt.error == f"{model}: no first token within 0.3 s"
    assert attempt.text == "" and attempt.time_to_first_token is None


@pytest.mark.parametrize("model", BOTH)
async def test_total_deadline_fires_mid_stream(make_engine, fake_api, model):
    fake_api.script(Reply(gate=Gate(after=2)))
    result, _ = await single(make_engine(no_retries(first_token=5, total=0.8)), model)
    attempt = result.attempts[0]
    assert attempt.error == f"{model}: not finished within 0.8 s"
    assert attempt.text == "".join(Reply().chunks()[:2]) and attempt.estimated


@pytest.mark.parametrize("model", BOTH)
async def test_a_stalled_try_is_retried_and_the_retry_answers(make_engine, fake_api, model):
    fake_api.script(Reply(gate=Gate(after=0)))
    settings = fast_settings()
    settings.timeouts.first_token = 0.3
    result, events = await single(make_engine(settings), model)
    assert result.success and result.response == DEFAULT_TEXT
    assert any("no first token" in reason for reason in retry_reasons(events))


# --- whatever else a provider raises -------------------------------------------------


class ExplodingProvider:
    """A provider with a bug: it raises something no one classified, mid-stream."""

    name = "openai"
    is_demo = False

    def prepare(self) -> None:
        pass

    async def warm(self) -> None:
        pass

    async def stream(self, model, params):
        from orchestrator_tui.providers.base import StartPart, TextPart

        yield StartPart()
        yield TextPart("half an ans")
        raise RuntimeError("a bug in a provider")

    async def aclose(self) -> None:
        pass


async def test_anything_a_provider_raises_ends_the_attempt_as_an_error_and_fallback_moves_on(
    make_engine, fake_api
):
    engine = make_engine(providers={"openai": ExplodingProvider()})
    result, events = await run_collect(
        engine, Request("hi", strategy="fallback", models=[OPENAI_MODEL, ANTHROPIC_MODEL])
    )
    finished = [e.attempt for e in events if isinstance(e, AttemptFinished)]
    assert [a.status for a in finished] == ["error", "ok"]
    assert "RuntimeError: a bug in a provider" in finished[0].error
    assert result.model_used == ANTHROPIC_MODEL
    assert all(a.status != "pending" for a in result.attempts)


async def test_an_ensemble_member_that_raises_ends_as_error_and_the_others_finish(
    make_engine, fake_api
):
    fake_api.script(Reply(chunk_delay=0.01))
    engine = make_engine(providers={"openai": ExplodingProvider()})
    result, events = await run_collect(
        engine, Request("hi", strategy="ensemble", models=[ANTHROPIC_MODEL, OPENAI_MODEL])
    )
    statuses = {a.model: a.status for a in result.attempts}
    assert statuses == {ANTHROPIC_MODEL: "ok", OPENAI_MODEL: "error"}
    assert result.success and result.model_used == ANTHROPIC_MODEL
    assert len([e for e in events if isinstance(e, AttemptFinished)]) == 2
