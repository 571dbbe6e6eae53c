"""The learned router: training, plain-Python prediction, `-s learned`, ratings and training
from the rated history."""

from __future__ import annotations

import json

import pytest

from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.engine.ratelimit import RateLimiter
from orchestrator_tui.errors import UsageError
from orchestrator_tui.evaluation.dataset import load_dataset
from orchestrator_tui.evaluation.runner import examples
from orchestrator_tui.learned.model import LAMBDA_GRID, LearnedRouter
from orchestrator_tui.learned.train import choose_lambda, feature_matrix, fit_router
from orchestrator_tui.registry import Registry
from orchestrator_tui.store.db import open_db
from orchestrator_tui.store.ledger import SQLiteLedger
from orchestrator_tui.store.ratings import rate, rated_examples

from .bench_data import structured_rows, write_jsonl
from .conftest import api_environ, fast_settings
from .test_cli import assert_one_line_error, orch

REAL_NAMES = {"small": "test-mini-a", "medium": "test-small-o", "large": "test-large-a"}


@pytest.fixture
def bench(tmp_path):
    return load_dataset(write_jsonl(tmp_path / "bench.jsonl", structured_rows()))


def test_plain_python_prediction_equals_scikit_learn(bench):
    from sklearn.linear_model import LogisticRegression

    train = examples(bench)
    router = fit_router(train)
    matrix = feature_matrix(router.vocabulary, [e.prompt for e in train])
    labels = [e.scores["medium"] for e in train]
    reference = LogisticRegression(C=1.0, max_iter=1000).fit(matrix, labels)
    expected = reference.predict_proba(matrix[:10])[:, 1]
    column = router.models.index("medium")
    got = [router.compute(e.prompt)[column].success for e in train[:10]]
    assert got == pytest.approx(list(expected), abs=1e-6)


def test_router_ranks_by_predicted_score_minus_weighted_cost(bench):
    router = fit_router(examples(bench))
    proof = "prove lemma bound induction question 1000?"
    greeting = "hello nice day friend question 1001?"
    predicted = {p.model: p for p in router.predict(greeting)}
    assert predicted["small"].cost < predicted["medium"].cost < predicted["large"].cost
    assert predicted["large"].success > 0.9
    for lam in (0.0, 0.3, 2.0):
        ranked = router.rank(greeting, lam=lam)
        utilities = [p.success - lam * p.cost / router.cost_scale for p in ranked]
        assert utilities == sorted(utilities, reverse=True)
    assert router.rank(greeting, lam=0.0)[0].model == "large"
    assert router.rank(greeting, lam=2.0)[0].model != "large"
    assert router.rank(proof, lam=0.5)[0].model == "large"  # nothing else gets proofs right
    assert {p.model for p in router.rank(proof, ["small", "medium"])} == {"small", "medium"}


def test_saved_router_predicts_the_same(bench, tmp_path):
    router = fit_router(examples(bench), lam=0.07, info={"data": "bench"})
    router.save(tmp_path / "router.json")
    loaded = LearnedRouter.load(tmp_path / "router.json")
    prompt = "python sort function question 7?"
    assert [round(p.success, 4) for p in loaded.predict(prompt)] == [
        round(p.success, 4) for p in router.predict(prompt)
    ]
    assert loaded.lam == 0.07 and loaded.info["data"] == "bench"


def test_lambda_is_chosen_by_cross_validation(bench):
    lam, frontier = choose_lambda(examples(bench))
    assert lam in LAMBDA_GRID and [row["lambda"] for row in frontier] == list(LAMBDA_GRID)
    chosen = next(row for row in frontier if row["lambda"] == lam)
    assert chosen["cost"] < frontier[0]["cost"]  # cheaper than ignoring cost altogether


def test_train_then_ask_learned_routes_by_topic(tmp_path, isolated_home):
    data = write_jsonl(tmp_path / "named.jsonl", structured_rows(models=REAL_NAMES))
    trained = orch("router", "train", "--data", str(data), "--json", home=isolated_home)
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout)
    assert summary["rows"] == 90 and set(summary["models"]) == set(REAL_NAMES.values())
    used = {}
    for topic, prompt in (
        ("proof", "prove theorem integral bound question?"),
        ("greeting", "hello friend nice morning question?"),
    ):
        proc = orch("ask", "-s", "learned", "--demo", "--json", prompt, home=isolated_home)
        assert proc.returncode == 0, proc.stderr
        answer = json.loads(proc.stdout)
        assert answer["strategy"] == "learned"
        used[topic] = answer["model_used"]
    assert used["proof"] == "test-large-a"  # the only model right on proofs
    assert used["greeting"] != "test-large-a"  # any model is right: not the dearest


def test_ask_learned_without_a_router_is_one_line(isolated_home):
    proc = orch("ask", "-s", "learned", "--demo", "hi", home=isolated_home)
    assert_one_line_error(proc, "no trained router", "orch router train")


def test_router_train_needs_exactly_one_source(isolated_home):
    assert_one_line_error(
        orch("router", "train", home=isolated_home), "--data FILE or --from-history"
    )
    assert_one_line_error(
        orch("router", "train", "--from-history", home=isolated_home), "only 0 rated answers"
    )


def test_rate_an_answer_from_ask(isolated_home):
    proc = orch("ask", "--demo", "--json", "What is 2 + 2?", home=isolated_home)
    history_id = json.loads(proc.stdout)["metadata"]["history_id"]
    assert orch("rate", str(history_id), "good", home=isolated_home).returncode == 0
    db = open_db()
    assert db.execute("SELECT rating FROM requests WHERE id = ?", (history_id,)).fetchone()[0] == 1
    assert_one_line_error(orch("rate", "999", "good", home=isolated_home), "no request 999")
    assert_one_line_error(orch("rate", str(history_id), "meh", home=isolated_home), "good or bad")


def recording_engine(fake_api, db) -> Engine:
    """Real providers through the fake API, recording to `db`."""
    settings = fast_settings()
    return Engine(
        settings,
        Registry.build(settings, environ=api_environ(fake_api)),
        ledger=SQLiteLedger(db, settings),
        limiter=RateLimiter(),
    )


async def test_training_from_the_rated_history(fake_api, isolated_home):
    """Real (non-demo) answers through the fake API, rated, become training examples; demo
    answers never do."""
    db = open_db()
    engine = recording_engine(fake_api, db)
    ids = []
    for i in range(12):
        model = "test-mini-a" if i % 2 else "test-small-o"
        prompt = f"{'prove theorem' if i % 2 else 'hello friend'} question {i}"
        result = await engine.run_to_result(
            Request(prompt, strategy="single", model=model, use_cache=False)
        )
        ids.append(result.metadata["history_id"])
        rate(db, ids[-1], "good" if i % 4 < 2 else "bad")
    await engine.aclose()
    settings = engine.settings
    demo = Engine(settings, demo=True, ledger=SQLiteLedger(db, settings))
    demo_id = (await demo.run_to_result(Request("demo question", use_cache=False))).metadata[
        "history_id"
    ]
    rate(db, demo_id, "good")
    rated = rated_examples(db)
    assert len(rated) == 12 and all(cost and cost > 0 for _, _, _, cost in rated)
    assert {model for _, model, _, _ in rated} == {"test-mini-a", "test-small-o"}
    proc = orch("router", "train", "--from-history", "--json", home=isolated_home)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows"] == 12


def test_rating_checks_its_input(tmp_path):
    db = open_db(tmp_path / "orch.db")
    with pytest.raises(UsageError, match="no request 5"):
        rate(db, 5, "good")


@pytest.mark.parametrize(
    "text, verdict", [("GOOD", "good"), ("Bad.", "bad"), ("good, not bad", None), ("maybe", None)]
)
def test_judge_verdicts_are_read_strictly(text, verdict):
    from orchestrator_tui.evaluation.judge import parse_verdict

    assert parse_verdict(text) == verdict


async def test_judge_grades_unrated_answers_and_never_overrules_the_user(fake_api, isolated_home):
    from orchestrator_tui.evaluation.judge import judge_history
    from orchestrator_tui.store.history import get_request

    from .fake_server import Reply

    db = open_db()
    engine = recording_engine(fake_api, db)
    ids = []
    for i in range(3):
        result = await engine.run_to_result(
            Request(f"question {i}", strategy="single", model="test-small-o", use_cache=False)
        )
        ids.append(result.metadata["history_id"])
    rate(db, ids[0], "bad")  # the user's verdict
    fake_api.script(Reply(text="GOOD"), Reply(text="GOOD"))
    tally = await judge_history(engine, db, "test-mini-a", limit=10)
    assert (tally.good, tally.bad, tally.unclear, tally.failed) == (2, 0, 0, 0)
    assert tally.cost > 0
    by = {i: (get_request(db, i)["rating"], get_request(db, i)["rated_by"]) for i in ids}
    assert by == {
        ids[0]: (0, "user"),
        ids[1]: (1, "judge:test-mini-a"),
        ids[2]: (1, "judge:test-mini-a"),
    }
    judged = db.execute("SELECT COUNT(*) FROM requests WHERE category = 'judge'").fetchone()[0]
    assert judged == 2  # the judge's calls are in the history, and cost what they cost
    assert len(rated_examples(db)) == 3  # the judge's own requests are never examples
    fake_api.script(Reply(text="GOOD"))
    again = await judge_history(engine, db, "test-mini-a", limit=10)
    assert again.good + again.bad + again.unclear == 0  # nothing left to judge
    await engine.aclose()


def test_judge_command_needs_a_model_and_a_real_provider(isolated_home):
    assert_one_line_error(orch("router", "judge", home=isolated_home), "no judge model")
    assert_one_line_error(
        orch("router", "judge", "-m", "test-mini-a", "--demo", home=isolated_home),
        "demo provider cannot judge",
    )
    assert_one_line_error(
        orch("router", "judge", "-m", "nope", home=isolated_home), "unknown model"
    )


def test_route_learned_shows_the_ranking(tmp_path, isolated_home):
    data = write_jsonl(tmp_path / "named.jsonl", structured_rows(models=REAL_NAMES))
    assert (
        orch(
            "router", "train", "--data", str(data), "--lambda", "0.3", home=isolated_home
        ).returncode
        == 0
    )
    proc = orch(
        "route",
        "--learned",
        "--demo",
        "--json",
        "prove the theorem by induction",
        home=isolated_home,
    )
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert shown["lambda"] == 0.3 and shown["model"] == "test-large-a"
    utilities = [row["utility"] for row in shown["ranking"]]
    assert utilities == sorted(utilities, reverse=True) and len(utilities) == 3
    text = orch(
        "route", "--learned", "--demo", "--cost-weight", "5", "hello friend", home=isolated_home
    )
    assert text.stdout.startswith("λ = 5: ") and "test-large-a" not in text.stdout.splitlines()[0]


def test_batch_with_the_learned_strategy(tmp_path, isolated_home):
    data = write_jsonl(tmp_path / "named.jsonl", structured_rows(models=REAL_NAMES))
    assert orch("router", "train", "--data", str(data), home=isolated_home).returncode == 0
    prompts = tmp_path / "in.jsonl"
    prompts.write_text(
        json.dumps({"id": "p", "prompt": "prove the integral bound"})
        + "\n"
        + json.dumps({"id": "g", "prompt": "hello friend, nice weather"})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    proc = orch(
        "batch",
        str(prompts),
        "-o",
        str(out),
        "-s",
        "learned",
        "--demo",
        "--quiet",
        home=isolated_home,
    )
    assert proc.returncode == 0, proc.stderr
    answers = {a["id"]: a for a in map(json.loads, out.read_text().splitlines())}
    assert answers["p"]["model_used"] == "test-large-a"
    assert answers["g"]["model_used"] != "test-large-a"
    assert {a["strategy"] for a in answers.values()} == {"learned"}
