"""`orch eval`: recorded answers replayed through the real engine, every strategy measured,
and the learned router scored only on rows it was not trained on."""

from __future__ import annotations

import json

import pytest

from orchestrator_tui.config import Settings
from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.errors import UsageError
from orchestrator_tui.evaluation.dataset import load_dataset
from orchestrator_tui.evaluation.replay import ReplayProvider, replay_registry
from orchestrator_tui.evaluation.runner import evaluate, jobs_for
from orchestrator_tui.evaluation.summary import best_single, goal_lines

from .bench_data import COSTS, noise_rows, structured_rows, write_jsonl


def rows_by(evaluation, strategy: str) -> list[dict]:
    return [r for r in evaluation.rows() if r["strategy"] == strategy]


def replay_engine(dataset) -> Engine:
    return Engine(
        Settings(),
        replay_registry(dataset),
        demo=False,
        providers={"replay": ReplayProvider(dataset)},
    )


@pytest.fixture
def structured(tmp_path):
    return load_dataset(write_jsonl(tmp_path / "bench.jsonl", structured_rows()))


async def test_replay_returns_the_recorded_text_and_bills_the_recorded_cost(structured):
    item = structured.items[4]
    engine = replay_engine(structured)
    result = await engine.run_to_result(Request(item.prompt, strategy="single", model="medium"))
    assert result.response == item.responses["medium"].text
    assert result.cost == pytest.approx(item.responses["medium"].cost)


def test_replay_registry_prices_tiers_and_chains_follow_the_stated_rules(structured):
    registry = replay_registry(structured)
    assert registry.chains["by-cost"] == ["small", "medium", "large"]
    assert registry.chains["frontier"] == ["small", "medium", "large"]  # each better than the last
    assert [registry.models[m].tier for m in ("small", "medium", "large")] == [
        "basic",
        "intermediate",
        "advanced",
    ]
    prices = [registry.models[m].prices.input for m in ("small", "medium", "large")]
    assert prices == sorted(prices) and prices[0] > 0


def test_single_and_oracle_rows_match_the_recorded_data(structured):
    evaluation = evaluate(structured, learned=False)
    for row in rows_by(evaluation, "single"):
        model = row["params"]["model"]
        scores = [i.responses[model].score for i in structured.items]
        assert row["score"] == pytest.approx(sum(scores) / len(scores), abs=1e-4)
        total = sum(i.responses[model].cost for i in structured.items)
        assert row["cost"] == pytest.approx(total, abs=1e-6)
    [oracle] = rows_by(evaluation, "oracle")
    assert oracle["score"] == 1.0  # the large model is right on every prompt
    cheapest_right = sum(
        min(r.cost for r in i.responses.values() if r.score == 1) for i in structured.items
    )
    assert oracle["cost"] == pytest.approx(cheapest_right, abs=1e-6)


def test_consensus_accepts_agreement_and_escalates_on_disagreement(structured):
    evaluation = evaluate(structured, learned=False)
    [row] = [r for r in rows_by(evaluation, "consensus") if r["params"]["chain"] == "frontier"]
    # greeting: small and medium agree (2 calls); code and proof: they disagree or large decides
    assert row["score"] == 1.0
    assert row["cost"] < sum(sum(r.cost for r in i.responses.values()) for i in structured.items)


def test_learned_router_finds_the_cheap_models_on_held_out_rows(structured):
    evaluation = evaluate(structured, folds=3)
    learned = rows_by(evaluation, "learned")
    assert len(learned) > 5 and all("lambda" in r["params"] for r in learned)
    large = next(r for r in rows_by(evaluation, "single") if r["params"]["model"] == "large")
    good = [r for r in learned if r["score"] >= 0.95 and r["cost"] <= 0.6 * large["cost"]]
    assert good, learned
    costs = [r["cost"] for r in sorted(learned, key=lambda r: r["params"]["lambda"])]
    assert costs[0] >= costs[-1]  # a larger λ never costs more here


def test_cross_validation_never_scores_rows_it_trained_on(tmp_path):
    noise = load_dataset(write_jsonl(tmp_path / "noise.jsonl", noise_rows()))
    for reference, held_out in jobs_for(noise, None, 5, 1):
        assert not {i.id for i in reference.items} & {i.id for i in held_out.items}
    honest = max(r["score"] for r in rows_by(evaluate(noise, folds=5), "learned"))
    leaky = max(r["score"] for r in rows_by(evaluate(noise, train=noise), "learned"))
    assert honest < 0.62 < leaky  # chance is 0.5; memorising the rows gets far more


def test_goal_lines_say_whether_each_goal_is_met():
    rows = [
        {"strategy": "single", "params": {"model": "big"}, "score": 0.8, "cost": 10.0},
        {"strategy": "learned", "params": {"lambda": 0.2}, "score": 0.77, "cost": 0.9},
        {"strategy": "learned", "params": {"lambda": 0.0}, "score": 0.8, "cost": 8.0},
    ]
    assert best_single(rows)["params"]["model"] == "big"
    first, second = goal_lines(rows)
    assert first.startswith("95% of the best single score at ≤ 10% of its cost: met")
    assert "not met" in second and "80.0%" in second


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "line 1: not JSON"),
        ('{"id": 1, "prompt": "p"}', "line 1: expected id, prompt and responses"),
        ('{"id": 1, "prompt": "p", "responses": {"m": {"score": 2, "cost": 0}}}', "within 0–1"),
    ],
)
def test_bad_datasets_are_one_clear_error(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(UsageError, match=message):
        load_dataset(path)


def test_a_repeated_prompt_is_refused(tmp_path):
    rows = structured_rows(3)
    rows[2]["prompt"] = rows[0]["prompt"]
    with pytest.raises(UsageError, match="line 3: the same prompt appears twice"):
        load_dataset(write_jsonl(tmp_path / "dup.jsonl", rows))


def test_costs_in_the_fixture_are_what_the_registry_ranks_by():
    assert sorted(COSTS, key=COSTS.get) == ["small", "medium", "large"]


def test_eval_command_json_table_and_plot(tmp_path, isolated_home):
    from .test_cli import orch

    path = write_jsonl(tmp_path / "bench.jsonl", structured_rows(60))
    proc = orch("eval", str(path), "--json", "--folds", "3", home=isolated_home)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["dataset"] == "bench.jsonl" and result["n"] == 60
    strategies = {row["strategy"] for row in result["rows"]}
    assert strategies == {
        "oracle",
        "single",
        "cheapest",
        "fallback",
        "ensemble",
        "consensus",
        "learned",
    }
    assert all(set(row) == {"strategy", "params", "score", "cost"} for row in result["rows"])
    assert len(result["chains"]) == 3  # one per fold, from that fold's training rows
    shown = orch("eval", str(path), "--no-learned", "--plot", "--workers", "1", home=isolated_home)
    assert shown.returncode == 0, shown.stderr
    assert (
        "best single model: large" in shown.stdout and "consensus (chain=frontier" in shown.stdout
    )
    assert "score against total cost" in shown.stdout


def test_eval_command_errors_are_one_line(tmp_path, isolated_home):
    from .test_cli import assert_one_line_error, orch

    assert_one_line_error(
        orch("eval", str(tmp_path / "missing.jsonl"), home=isolated_home), "cannot read"
    )
    data = write_jsonl(tmp_path / "bench.jsonl", structured_rows(6))
    other = write_jsonl(tmp_path / "other.jsonl", noise_rows(6))
    assert_one_line_error(
        orch("eval", str(data), "--train", str(other), home=isolated_home),
        "--train has no answers from",
    )
    same = orch("eval", str(data), "--train", str(data), "--no-learned", home=isolated_home)
    assert same.returncode == 0 and "6 prompt(s) of bench.jsonl are also in" in same.stderr
    free_rows = structured_rows(10)
    for row in free_rows:
        for response in row["responses"].values():
            response["cost"] = 0.0
    free = write_jsonl(tmp_path / "free.jsonl", free_rows)
    assert_one_line_error(
        orch("eval", str(free), home=isolated_home), "cannot train the learned router"
    )
    tiny = write_jsonl(tmp_path / "tiny.jsonl", structured_rows(1))
    assert_one_line_error(orch("eval", str(tiny), home=isolated_home), "at least 2 prompts")


async def test_consensus_run_events_and_metadata(structured):
    from orchestrator_tui.engine import events as ev

    engine = replay_engine(structured)
    greeting = next(i for i in structured.items if i.task == "greeting")
    code = next(i for i in structured.items if i.task == "code")
    agreed = await engine.run_to_result(
        Request(greeting.prompt, strategy="consensus", chain="frontier")
    )
    assert [a.model for a in agreed.attempts] == ["small", "medium"]
    assert agreed.model_used == "small" and agreed.metadata["agreement"]["escalations"] == 0
    events = []
    escalated = await engine.run_to_result(
        Request(code.prompt, strategy="consensus", chain="frontier"), on_event=events.append
    )
    assert escalated.model_used == "large" and len(escalated.attempts) == 3
    assert escalated.metadata["agreement"] == {"agreed": 2, "escalations": 1}
    [step] = [e for e in events if isinstance(e, ev.Escalated)]
    assert step.to_model == "large" and "no agreement" in step.reason


def test_only_models_answering_every_prompt_are_evaluated(tmp_path):
    rows = structured_rows(30)
    extra = {"text": "A", "score": 1.0, "cost": 0.0}  # free and always right, but only once
    rows[0]["responses"]["partial"] = extra
    dataset = load_dataset(write_jsonl(tmp_path / "bench.jsonl", rows))
    assert dataset.models == ["small", "medium", "large"]
    evaluation = evaluate(
        dataset,
        train=load_dataset(write_jsonl(tmp_path / "train.jsonl", structured_rows(30, seed=5))),
        learned=False,
    )
    [oracle] = rows_by(evaluation, "oracle")
    assert oracle["cost"] > 0  # the partial model's free answer is not the oracle's
    assert {r["params"]["model"] for r in rows_by(evaluation, "single")} == set(COSTS)


def test_fewer_prompts_than_folds_gives_one_fold_per_prompt(tmp_path):
    dataset = load_dataset(write_jsonl(tmp_path / "small.jsonl", structured_rows(4)))
    evaluation = evaluate(dataset, folds=5)
    assert evaluation.method == "4-fold cross-validation" and len(evaluation.chains) == 4
    assert all(r["score"] is not None for r in evaluation.rows())


def test_folds_in_worker_processes_give_the_rows_of_one_process(structured):
    ticks: list[int] = []
    apart = evaluate(structured, folds=2, workers=2, progress=ticks.append)
    assert apart.rows() == evaluate(structured, folds=2, workers=1).rows()
    assert sum(ticks) == len(structured.items)  # one tick per held-out prompt
