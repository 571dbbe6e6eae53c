"""Complexity analysis, confidence detection and ensemble synthesis."""

from __future__ import annotations

import pytest

from orchestrator_tui.heuristics.complexity import ComplexityAnalyzer
from orchestrator_tui.heuristics.confidence import ConfidenceDetector
from orchestrator_tui.heuristics.synthesis import Candidate, agreement, synthesize_responses


@pytest.mark.parametrize(
    "prompt, level",
    [
        ("What is 2+2?", "basic"),
        ("Define entropy", "basic"),
        ("Summarize this paragraph for me", "intermediate"),
        ("Write code that sorts a list", "intermediate"),
        ("Debug this function and explain why it fails", "advanced"),
        ("Design a cache for a web service", "advanced"),
        ("Prove that sqrt(2) is irrational", "expert"),
        ("Do comprehensive research on solar panels", "expert"),
        ("hello there", "basic"),
    ],
)
def test_levels(prompt, level):
    assert ComplexityAnalyzer().analyze(prompt).level == level


def test_the_most_demanding_pattern_wins_and_is_reported():
    analysis = ComplexityAnalyzer().analyze("What is the best way to implement and prove it?")
    assert analysis.level == "expert"
    assert analysis.matched["basic"] == ["what is"] and "prove" in analysis.matched["expert"]


def test_whole_words_only():
    assert ComplexityAnalyzer().analyze("approve this quickly").level == "basic"  # not 'prove'


def test_task_types():
    analysis = ComplexityAnalyzer().analyze("Implement a Python function to calculate 3*4")
    assert {"code", "math"} <= set(analysis.task_types)
    assert ComplexityAnalyzer().analyze("Write a poem").task_types == ["creative"]


def test_custom_patterns_are_pluggable():
    analyzer = ComplexityAnalyzer(patterns={"expert": ["kubernetes"], "basic": []})
    assert analyzer.analyze("kubernetes question").level == "expert"


def test_long_prompts_are_at_least_intermediate():
    assert ComplexityAnalyzer().analyze("word " * 500).level == "intermediate"


def test_confidence_penalises_hedging_and_rewards_detail():
    detector = ConfidenceDetector()
    hedged = detector.score("q", "I think it might be Paris, but I'm not sure.")
    plain = detector.score(
        "q",
        "Paris is the capital and largest city of France, on the "
        "Seine, and has been the seat of government for centuries.",
    )
    detailed = detector.score("q", "This is clearly established. " + "word " * 160)
    assert hedged.score < 0.6 <= plain.score < detailed.score
    assert set(hedged.low) == {"i think", "might be", "not sure"}
    assert "hedging" in hedged.explain()


def test_confidence_of_an_empty_answer_is_zero():
    assert ConfidenceDetector().score("q", "   ").score == 0.0


def test_agreement_of_short_and_long_answers():
    assert agreement("Paris", "The capital of France is Paris.") == 1.0
    assert agreement("Paris", "Lyon") == 0.0


def test_synthesis_weights_and_consensus_bonus():
    candidates = [
        Candidate("cheap", "intermediate", "Paris is the capital.", 0.7),
        Candidate("big", "expert", "The capital is Paris, clearly.", 0.7),
        Candidate("odd", "expert", "Lyon, surely.", 0.7),
    ]
    scored, mean = synthesize_responses(candidates)
    assert scored[0].model == "big"  # higher tier, and agrees with another answer
    by_model = {s.model: s for s in scored}
    assert by_model["odd"].agreement < by_model["big"].agreement
    expected = (
        0.5 * 0.7 + 0.3 * 1.0 + 0.2 * by_model["big"].completeness + 0.1 * by_model["big"].agreement
    ) / 1.1  # the weights sum to 1.1: the score is 0–1
    assert by_model["big"].score == pytest.approx(expected, abs=1e-3)
    assert 0 < mean < 1


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("B", "b\n", True),
        ("(C) palms covered with oil", "C", True),
        ("A", "B", False),
        ("The answer is Paris.", "The answer is Paris. That is well established.", True),
        ("Paris", "Lyon", False),
        ("42", "It is 42.", True),
        ("", "", False),
        ("Use a hash map keyed by user id with a TTL", "Sort the list and binary search it", False),
    ],
)
def test_same_answer(a, b, same):
    from orchestrator_tui.heuristics.synthesis import same_answer

    assert same_answer(a, b) is same
