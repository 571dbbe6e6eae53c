"""The TUI's figures as pure functions (tui/figures.py), and the engine figures behind them:
an ensemble's score is 0–1, and a single answer has no consensus."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.engine.details import Agreement, EnsembleVerdict, MemberScore
from orchestrator_tui.heuristics.synthesis import Candidate, synthesize_responses
from orchestrator_tui.store.session_totals import ModelFigure, RequestFigure, SessionTotals
from orchestrator_tui.tui.figures import (
    confidence_label,
    cost_sparkline,
    dashboard_summary,
    plural,
    price_label,
    verdict_note,
)

from .conftest import fast_settings


def attempt(attempt_id: int, accepted: bool = False, status: str = "ok"):
    return SimpleNamespace(attempt_id=attempt_id, accepted=accepted, status=status)


def member(attempt_id: int, score: float, agreement: float) -> MemberScore:
    return MemberScore(
        attempt_id - 1, f"m{attempt_id}", score, 0.7, 0.5, 1.0, agreement, attempt_id
    )


def verdict(*members: MemberScore, level: str = "high", agreement: float = 0.8):
    return EnsembleVerdict(level, agreement, tuple(members))


def test_plural():
    assert [plural(n, "request") for n in (0, 1, 2)] == ["0 requests", "1 request", "2 requests"]
    assert plural(1, "cache hit") == "1 cache hit" and plural(3, "cache hit") == "3 cache hits"


def test_confidence_label_names_the_figure_beside_its_bar():
    label = confidence_label(0.7)
    assert label.startswith("conf 0.70 ") and label.count("█") == 7 and label.count("░") == 3
    assert confidence_label(None) == ""


def test_the_winner_of_two_agreeing_answers_has_high_consensus():
    two = verdict(member(1, 0.6, 0.9), member(2, 0.5, 0.9))
    assert verdict_note(attempt(1, accepted=True), two, None) == (
        "★ winner  score 0.60  consensus high (0.90)"
    )
    assert verdict_note(attempt(2), two, None) == "score 0.50"


def test_a_single_answer_or_a_disagreeing_winner_is_never_high_consensus():
    single = verdict(member(1, 0.6, 0.0), level="none", agreement=0.0)
    assert "no consensus" in verdict_note(attempt(1, accepted=True), single, None)
    # the two others agree with each other (the mean is high), not with the winner
    lonely = verdict(member(1, 0.7, 0.05), member(2, 0.6, 0.5), member(3, 0.5, 0.5))
    note = verdict_note(attempt(1, accepted=True), lonely, None)
    assert "consensus low" in note and "high" not in note


def test_notes_only_for_what_has_a_verdict():
    assert verdict_note(None, None, None) is None
    assert verdict_note(attempt(4), verdict(member(1, 0.6, 0.9)), None) is None  # not scored
    assert verdict_note(attempt(1, accepted=True), None, Agreement(2, 0)) == (
        "★ winner  2 models agree"
    )
    assert verdict_note(attempt(1, accepted=True), None, Agreement(1, 2)) == (
        "★ winner  no agreement"
    )


def test_the_sparkline_scales_from_zero_one_column_per_request():
    assert cost_sparkline([0.004], width=40) == "█"  # one request: one bar, not a full row
    assert cost_sparkline([0.002, 0.004], width=40) == "▄█"  # half the cost, half the bar
    assert cost_sparkline([0.0, 0.004], width=40) == "·█"  # a free request is still seen
    assert cost_sparkline([1, 2, 3, 4], width=2) == "▆█"  # the latest fit
    assert cost_sparkline([0.001, 0.004], width=9, height=2).split("\n") == [" █", "▄█"]
    assert cost_sparkline([], width=40) == ""


def test_price_label():
    assert price_label(3.0, 15.0) == "$3 in · $15 out per Mtok"
    assert price_label(None, None) == "no price"


def totals(real: float, demo: float, hits: int = 0) -> SessionTotals:
    requests = [RequestFigure(real, False, False), RequestFigure(demo, True, False)]
    requests += [RequestFigure(0.0, False, True)] * hits
    return SessionTotals(tuple(requests), (ModelFigure("m", 1, real, 0, 1.0),), 10, 20)


def test_dashboard_summary_in_one_line():
    session = SimpleNamespace(figures=totals(0.0042, 0.01, hits=1))
    budget = SimpleNamespace(share=0.12)
    assert dashboard_summary(session, budget) == (
        "$0.004200 real · $0.0100 demo · 3 requests · 1 cache hit · 12% of daily budget"
    )
    real_only = SimpleNamespace(figures=SessionTotals((RequestFigure(0.0042, False, False),)))
    assert dashboard_summary(real_only, None) == "$0.004200 · 1 request"


def test_ensemble_scores_are_within_0_and_1():
    perfect = "Paris is the capital of France. " * 30
    scored, _ = synthesize_responses(
        [Candidate("a", "expert", perfect, 1.0), Candidate("b", "expert", perfect, 1.0)]
    )
    assert [s.score for s in scored] == [1.0, 1.0]  # the best there can be: 1, not 1.1


@pytest.mark.parametrize("members", [["test-small-a"], ["test-small-a", "test-small-o"]])
async def test_an_ensemble_verdict_says_none_for_a_single_answer(members):
    engine = Engine(fast_settings(), demo=True)
    result = await engine.run_to_result(
        Request("What is the capital of France?", strategy="ensemble", models=members)
    )
    found = result.detail(EnsembleVerdict)
    assert found is not None and all(0 <= s.score <= 1 for s in found.scores)
    if len(members) == 1:
        assert (found.level, found.agreement) == ("none", 0.0)
        assert result.metadata["consensus"] == {"level": "none", "agreement": 0.0}
    else:
        assert found.level == "high" and found.agreement > 0.6
    await engine.aclose()
