"""The Python API as the seed documents it, through the real SDKs against the fake server:
its signatures, engine reuse, the running-loop rule, recording, and the temperature note."""

from __future__ import annotations

import asyncio

import pytest

import orchestrator_tui as orch
from orchestrator_tui import api
from orchestrator_tui.config import ModelEntry
from orchestrator_tui.engine import Note, Request
from orchestrator_tui.errors import BudgetError, UsageError
from orchestrator_tui.store.db import open_db
from orchestrator_tui.store.history import get_request, list_requests

from .conftest import api_environ, fast_settings, run_collect, write_config
from .fake_server import Reply

ANTHROPIC_MODEL = "test-small-a"
OPENAI_MODEL = "test-small-o"
HEDGED = "I think it might be Paris, but I'm not sure; I would need more context."


@pytest.fixture
def api_env(fake_api, monkeypatch):
    """The sync API's own engines (built from the environment) talk to the fake server."""
    for name, value in api_environ(fake_api).items():
        monkeypatch.setenv(name, value)
    return fake_api


def called_models(api) -> list[str]:
    return [call["body"]["model"] for call in api.requests]


def history() -> list[dict]:
    """Every request in the history, newest first, with its response and attempts."""
    db = open_db()
    try:
        records = [get_request(db, row["id"]) for row in list_requests(db, None)]
        return [record for record in records if record is not None]
    finally:
        db.close()


@pytest.mark.parametrize(
    "chain", [[ANTHROPIC_MODEL, OPENAI_MODEL], f"{ANTHROPIC_MODEL}, {OPENAI_MODEL}"]
)
def test_run_with_fallback_takes_the_seeds_arguments(api_env, chain):
    api_env.script(Reply(text=HEDGED), Reply(text=HEDGED))
    escalated = orch.run_with_fallback(
        "Capital of France?", chain, confidence_threshold=0.9, max_cost=1.0
    )
    accepted = orch.run_with_fallback("Capital of Italy?", chain=chain, confidence_threshold=0.0)
    assert [a.model for a in escalated.attempts] == [ANTHROPIC_MODEL, OPENAI_MODEL]
    assert [a.model for a in accepted.attempts] == [ANTHROPIC_MODEL]
    assert called_models(api_env) == [ANTHROPIC_MODEL, OPENAI_MODEL, ANTHROPIC_MODEL]


def test_run_ensemble_takes_a_list_or_a_comma_string(api_env):
    members = [ANTHROPIC_MODEL, OPENAI_MODEL]
    for prompt, models in (
        ("Capital of France?", members),
        ("Capital of Italy?", ",".join(members)),
    ):
        result = orch.run_ensemble(prompt, models=models)
        assert sorted(result.ensemble_models) == sorted(members)
    assert sorted(called_models(api_env)) == sorted(members * 2)


def test_route_to_model_names_the_model_cheapest_calls(api_env):
    pool = [ANTHROPIC_MODEL, OPENAI_MODEL, "test-medium-o"]
    name = orch.route_to_model("Capital of France?", models=pool)
    assert isinstance(name, str)
    assert name == orch.route_to_model_config("Capital of France?", models=",".join(pool)).name
    assert name == orch.run_orchestration("Capital of France?", "cheapest", models=pool).model_used
    assert orch.route_to_model("Capital of France?", max_cost=10.0, models=pool) == name
    assert orch.route_to_model("Capital of France?", models=[OPENAI_MODEL]) == OPENAI_MODEL


def test_route_to_model_refuses_when_no_model_fits_max_cost(api_env):
    with pytest.raises(BudgetError, match="max_cost"):
        orch.route_to_model("Capital of France?", max_cost=1e-9)
    assert api_env.requests == []


@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, OPENAI_MODEL])
def test_one_engine_serves_several_sync_calls(api_env, model):
    engine = api.make_engine()
    results = [
        orch.run_orchestration(prompt, "single", model=model, engine=engine)
        for prompt in ("first", "second", "third")
    ]
    assert [(r.success, r.attempts[0].retries) for r in results] == [(True, 0)] * 3
    assert len(api_env.requests) == 3


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # the first loop's sockets, never closed
@pytest.mark.parametrize("model", [ANTHROPIC_MODEL, OPENAI_MODEL])
def test_one_engine_serves_several_event_loops(api_env, model):
    engine = api.make_engine()
    request = Request("hi", strategy="single", model=model)
    first = asyncio.run(engine.run_to_result(request))
    second = asyncio.run(engine.run_to_result(Request("hi again", strategy="single", model=model)))
    assert [(r.success, r.attempts[0].retries) for r in (first, second)] == [(True, 0)] * 2


@pytest.mark.parametrize(
    "call",
    [
        lambda: orch.run_orchestration("hi"),
        lambda: orch.run_with_fallback("hi"),
        lambda: orch.run_ensemble("hi"),
    ],
)
async def test_the_sync_api_inside_a_running_loop_points_to_the_async_one(call):
    with pytest.raises(UsageError, match=r"running event loop.*await arun_orchestration"):
        call()


async def test_arun_orchestration_works_inside_a_running_loop(api_env):
    result = await orch.arun_orchestration("hi", "single", model=OPENAI_MODEL)
    assert result.success and len(history()) == 1


def test_api_calls_are_recorded_and_cached_like_orch_ask(api_env):
    first = orch.run_orchestration("Capital of France?", "single", model=ANTHROPIC_MODEL)
    second = orch.run_orchestration("Capital of France?", "single", model=ANTHROPIC_MODEL)
    records = history()
    assert [r["prompt"] for r in records] == ["Capital of France?"] * 2
    assert first.metadata["history_id"] in {r["id"] for r in records}
    assert (first.cached, second.cached) == (False, True) and len(api_env.requests) == 1


def test_record_false_keeps_nothing(api_env):
    result = orch.run_orchestration(
        "Capital of France?", "single", model=OPENAI_MODEL, record=False
    )
    assert result.success and "history_id" not in result.metadata
    assert history() == []


def test_log_prompts_false_keeps_the_cost_not_the_text(api_env, isolated_home):
    write_config(isolated_home, "log_prompts = false\n")
    result = orch.run_orchestration("a private question", "single", model=OPENAI_MODEL)
    [record] = history()
    assert record["prompt"] is None and record["response"] is None
    assert record["cost"] == pytest.approx(result.cost) and result.cost > 0


def with_plain_openai_model():
    settings = fast_settings()
    settings.models["plain-gpt"] = ModelEntry(
        provider="openai",
        tier="basic",
        input_cost_per_mtok=1.0,
        output_cost_per_mtok=2.0,
        reasoning=False,
    )
    return settings


async def test_a_model_without_temperature_says_so_once(make_engine, fake_api):
    fake_api.script(Reply(status=429, headers={"retry-after": "0"}), model=ANTHROPIC_MODEL)
    engine = make_engine(with_plain_openai_model())
    members = [ANTHROPIC_MODEL, OPENAI_MODEL, "plain-gpt"]
    result, events = await run_collect(
        engine, Request("hi", strategy="ensemble", models=members, temperature=0.3)
    )
    notes = [e.message for e in events if isinstance(e, Note)]
    assert result.success and len(fake_api.calls(ANTHROPIC_MODEL)) == 2  # a retry: one note
    assert notes == [
        f"{name} takes no temperature; temperature 0.3 is not sent"
        for name in (ANTHROPIC_MODEL, OPENAI_MODEL)
    ]
    assert fake_api.calls("plain-gpt")[0]["body"]["temperature"] == 0.3
    assert all(
        "temperature" not in call["body"]
        for call in fake_api.calls(ANTHROPIC_MODEL) + fake_api.calls(OPENAI_MODEL)
    )


async def test_no_temperature_note_without_a_temperature_and_in_demo_as_in_real_mode(make_engine):
    quiet, quiet_events = await run_collect(
        make_engine(), Request("hi", strategy="single", model=ANTHROPIC_MODEL)
    )
    demo = make_engine(demo=True)
    _, demo_events = await run_collect(
        demo, Request("hi", strategy="single", model=ANTHROPIC_MODEL, temperature=1.0)
    )
    assert quiet.success and not [e for e in quiet_events if isinstance(e, Note)]
    assert f"{ANTHROPIC_MODEL} takes no temperature; temperature 1 is not sent" in [
        e.message for e in demo_events if isinstance(e, Note)
    ]
