"""What a strategy adds to a result is typed (engine.details), statuses are string enums, and
the JSON `metadata` is made from the typed fields with the keys it always had."""

from __future__ import annotations

import json

from orchestrator_tui.engine import Engine, Escalated, Request
from orchestrator_tui.engine.details import (
    Agreement,
    EnsembleVerdict,
    RouterChoice,
    Routing,
    ThresholdOutcome,
)
from orchestrator_tui.engine.events import Event
from orchestrator_tui.engine.status import AttemptStatus, RequestStatus

from .conftest import fast_settings


def demo_engine() -> Engine:
    return Engine(fast_settings(), demo=True)


async def run(request: Request):
    events: list[Event] = []
    result = await demo_engine().run_to_result(request, on_event=events.append)
    return result, events


async def test_fallback_keeps_its_escalations_and_whether_the_threshold_was_met():
    result, events = await run(
        Request(
            "Prove that sqrt 2 is irrational", strategy="fallback", threshold=0.99, use_cache=False
        )
    )
    assert result.detail(ThresholdOutcome) == ThresholdOutcome(False) and result.success
    announced = [e for e in events if isinstance(e, Escalated)]
    assert announced and list(result.escalations) == announced
    assert result.metadata["threshold_met"] is False and result.run.threshold == 0.99
    assert result.detail(Agreement) is None and result.detail(EnsembleVerdict) is None


async def test_ensemble_scores_are_typed_and_their_json_is_unchanged():
    result, _ = await run(
        Request("What is the capital of France?", strategy="ensemble", use_cache=False)
    )
    verdict = result.detail(EnsembleVerdict)
    assert verdict is not None and {s.attempt_id for s in verdict.scores} == {
        a.attempt_id for a in result.attempts
    }
    assert verdict.score_of(verdict.scores[0].attempt_id) is verdict.scores[0]
    metadata = result.to_dict()["metadata"]
    assert list(metadata) == [
        "threshold",
        "max_tokens",
        "estimated_input_tokens",
        "demo",
        "consensus",
        "scores",
    ]
    assert metadata["consensus"] == {"level": verdict.level, "agreement": verdict.agreement}
    assert list(metadata["scores"][0]) == [
        "index",
        "model",
        "score",
        "confidence",
        "tier_score",
        "completeness",
        "agreement",
        "attempt_id",
    ]


async def test_cheapest_and_consensus_details():
    cheap, _ = await run(Request("What is 2+2?", strategy="cheapest", use_cache=False))
    routing = cheap.detail(Routing)
    assert routing is not None and cheap.metadata["routing"] == dict(routing.analysis)
    agreed, _ = await run(
        Request("What is the capital of France?", strategy="consensus", use_cache=False)
    )
    assert agreed.detail(Agreement) == Agreement(2, 0)
    assert agreed.metadata["agreement"] == {"agreed": 2, "escalations": 0}


def test_router_choice_rounds_only_in_json():
    choice = RouterChoice(0.1, 0.123456)
    assert choice.to_metadata() == {"router": {"lambda": 0.1, "predicted_success": 0.1235}}


async def test_a_run_the_budget_refused_entirely_is_skipped_not_failed():
    result, _ = await run(
        Request("What is 2+2?", strategy="cheapest", max_cost=1e-10, use_cache=False)
    )
    assert result.status == RequestStatus.SKIPPED and not result.success
    assert all(a.status is AttemptStatus.SKIPPED for a in result.attempts)
    assert result.error.startswith("the budget is too small") and result.budget.limit == 1e-10
    assert result.metadata["error"] == result.error and "budget" in result.metadata


async def test_statuses_are_their_strings_in_comparisons_and_json():
    result, _ = await run(Request("What is 2+2?", strategy="cheapest", use_cache=False))
    [attempt] = result.attempts
    assert attempt.status == "ok" and result.status == "ok" and f"{attempt.status}" == "ok"
    assert json.loads(json.dumps(result.to_dict()))["attempts"][0]["status"] == "ok"
    assert result.error is None and "error" not in result.metadata
