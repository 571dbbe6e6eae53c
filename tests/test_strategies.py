"""The four strategies end to end, against the fake server through the real SDKs."""

from __future__ import annotations

import asyncio

import pytest

from orchestrator_tui.engine import Request
from orchestrator_tui.engine.events import (
    BudgetRefused,
    Escalated,
    Note,
    ResultReady,
    RoutingDecided,
)
from orchestrator_tui.errors import UsageError

from .conftest import run_collect
from .fake_server import Gate, Reply

HEDGED = "I think it might be Paris, but I'm not sure."
CONFIDENT = (
    "The capital of France is Paris. This is clearly established and confirmed, "
    "and it has been the capital for centuries, so the answer is definitely Paris."
)


async def test_cheapest_sends_a_basic_prompt_to_the_cheapest_model(make_engine, fake_api):
    engine = make_engine()
    result, events = await run_collect(engine, Request("What is 2+2?", strategy="cheapest"))
    decided = next(e for e in events if isinstance(e, RoutingDecided))
    cheapest_price = min(
        m.prices.input + m.prices.output for m in engine.registry.models.values() if m.prices.known
    )
    chosen = engine.registry.model(result.model_used)
    assert chosen.prices.input + chosen.prices.output == cheapest_price
    assert decided.analysis["level"] == "basic"
    assert fake_api.requests[0]["body"]["model"] == result.model_used


async def test_cheapest_sends_an_expert_prompt_to_an_expert_model(make_engine):
    engine = make_engine()
    result, _ = await run_collect(
        engine,
        Request(
            "Prove that there are infinitely many primes, and derive the density.",
            strategy="cheapest",
        ),
    )
    assert engine.registry.model(result.model_used).tier == "expert"
    expert_prices = sorted(
        m.prices.output for m in engine.registry.models.values() if m.tier == "expert"
    )
    assert engine.registry.model(result.model_used).prices.output == expert_prices[0]


async def test_cheapest_moves_to_the_next_cheapest_when_a_call_fails(make_engine, fake_api):
    settings_engine = make_engine()
    settings_engine.policy.max_retries = 0
    fake_api.script(Reply(status=500))
    result, events = await run_collect(
        settings_engine, Request("What is 2+2?", strategy="cheapest")
    )
    assert result.success and [a.status for a in result.attempts] == ["error", "ok"]
    assert [e for e in events if isinstance(e, Escalated)]


async def test_fallback_escalates_on_low_confidence(make_engine, fake_api):
    fake_api.script(Reply(text=HEDGED), model="test-small-a")
    fake_api.script(Reply(text=CONFIDENT), model="test-small-o")
    result, events = await run_collect(
        make_engine(),
        Request("What is the capital of France?", strategy="fallback", chain="test-mixed"),
    )
    escalations = [e for e in events if isinstance(e, Escalated)]
    assert len(escalations) == 1 and "confidence" in escalations[0].reason
    assert escalations[0].to_model == "test-small-o"
    assert result.model_used == "test-small-o" and result.confidence >= 0.6
    assert [a.model for a in result.attempts] == ["test-small-a", "test-small-o"]
    assert result.attempts[0].confidence < 0.6 and result.attempts[0].cost > 0
    assert result.cost == pytest.approx(sum(a.cost for a in result.attempts))


async def test_fallback_threshold_option_changes_the_decision(make_engine, fake_api):
    fake_api.script(Reply(text=CONFIDENT))
    strict, _ = await run_collect(
        make_engine(),
        Request("Capital of France?", strategy="fallback", chain="test-fast", threshold=0.99),
    )
    assert len(strict.attempts) == 3  # nothing reaches 0.99: the whole chain is tried
    assert strict.metadata["threshold_met"] is False and strict.success


async def test_fallback_skips_models_without_a_key(make_engine, fake_api):
    engine = make_engine()
    del engine.registry.environ["ANTHROPIC_API_KEY"]
    result, events = await run_collect(
        engine, Request("Capital?", strategy="fallback", chain="test-mixed")
    )
    notes = [e.message for e in events if isinstance(e, Note)]
    assert any("test-small-a" in n and "ANTHROPIC_API_KEY" in n for n in notes)
    assert all(r["path"].endswith("/chat/completions") for r in fake_api.requests)
    assert result.success


async def test_ensemble_runs_members_concurrently(make_engine, fake_api):
    members = ["test-small-a", "test-small-o", "test-medium-o"]
    gates = {model: Gate(after=2) for model in members}  # each stream holds after two chunks
    for model, gate in gates.items():
        fake_api.script(Reply(text=CONFIDENT, output_tokens=40, gate=gate), model=model)
    run = asyncio.create_task(
        run_collect(
            make_engine(), Request("Capital of France?", strategy="ensemble", models=members)
        )
    )
    for gate in gates.values():  # all three mid-stream at once: members in turn never are
        await asyncio.to_thread(gate.wait)
    assert not run.done()
    for gate in gates.values():
        gate.release()
    result, _ = await asyncio.wait_for(run, timeout=60)
    assert result.ensemble_models == members
    assert result.metadata["consensus"]["level"] == "high"
    assert {s["model"] for s in result.metadata["scores"]} == set(members)
    assert sum(a.accepted for a in result.attempts) == 1


async def test_ensemble_budget_is_one_pool_for_concurrent_members(make_engine, fake_api):
    engine = make_engine()
    members = ["test-small-o", "test-small-a", "test-medium-o"]
    ctx = engine.context(Request("Capital?", strategy="ensemble", models=members, max_tokens=1000))
    from orchestrator_tui.engine.cost import worst_case_cost

    worst = [worst_case_cost(engine.registry.model(m), ctx.input_tokens, 1000) for m in members]
    budget = worst[0] + worst[1] + worst[2] / 2  # room for two members, not the third
    result, events = await run_collect(
        engine,
        Request("Capital?", strategy="ensemble", models=members, max_tokens=1000, max_cost=budget),
    )
    refused = [e for e in events if isinstance(e, BudgetRefused)]
    assert [e.model for e in refused] == ["test-medium-o"]
    assert len(fake_api.requests) == 2
    assert result.cost <= budget
    assert [a.status for a in result.attempts] == ["ok", "ok", "skipped"]


async def test_a_budget_too_small_for_any_call_says_so(make_engine, fake_api):
    result, _ = await run_collect(
        make_engine(), Request("Capital?", strategy="fallback", chain="test-fast", max_cost=1e-9)
    )
    assert not result.success and not fake_api.requests
    assert result.metadata["error"].startswith("the budget is too small for any call")


async def test_a_model_without_a_price_never_fits_a_budget(make_engine, fake_api):
    engine = make_engine()
    assert not engine.registry.model("test-unpriced-o").prices.known
    result, events = await run_collect(
        engine, Request("hi", model="test-unpriced-o", strategy="single", max_cost=100.0)
    )
    assert not result.success and not fake_api.requests
    assert "no known price" in next(e for e in events if isinstance(e, BudgetRefused)).reason


async def test_unknown_model_suggests_close_names(make_engine):
    with pytest.raises(UsageError, match="did you mean test-small-o"):
        await run_collect(make_engine(), Request("hi", model="test-smal-o", strategy="single"))


async def test_prompt_larger_than_every_context_window(make_engine):
    engine = make_engine()
    for name, model in list(engine.registry.models.items()):
        engine.registry.models[name] = model.with_changes(context_window=50)
    with pytest.raises(UsageError, match="larger than every context window"):
        await run_collect(engine, Request("word " * 200, strategy="cheapest"))


async def test_events_end_with_the_result(make_engine):
    _, events = await run_collect(make_engine(), Request("hi", strategy="fallback"))
    assert isinstance(events[0], RoutingDecided) and isinstance(events[-1], ResultReady)
