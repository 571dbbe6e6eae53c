"""`orch batch --provider-batch`: the providers' batch APIs through the real SDKs, against the
fake server's Files, Batches and Message Batches endpoints (tests/fake_batches.py).

The tests drive the batches' states themselves (`finish_after`, `finish()`): nothing waits
for time. On the tests' registry test-medium-o (openai) and test-small-a and test-large-a
(anthropic) have batch prices (half the standard ones); test-mini-a has none."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time

import pytest

from orchestrator_tui.engine.cost import compute_cost
from orchestrator_tui.registry import Registry
from orchestrator_tui.types import Usage

from .conftest import base_settings, write_config
from .fake_batches import Refusal, call_name
from .fake_server import Reply, last_message
from .test_batch import read_output, write_jsonl
from .test_cli import assert_one_line_error, orch

TEXT = "Paris is the capital of France."  # 6 words: 6 output tokens; 25 input tokens


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


@pytest.fixture
def api(fake_api):
    fake_api.default = Reply(text=TEXT)
    return fake_api


def batch(api, home, *args, env=None):
    """`orch ARGS` with the fake server's keys and addresses."""
    from .conftest import api_environ

    return orch(*args, home=home, env_extra={**api_environ(api), **(env or {})})


def submit(api, home, source, out, *args):
    return batch(
        api, home, "batch", str(source), "-o", str(out), "--provider-batch", "--json", *args
    )


def db_rows(home, sql, *args):
    with sqlite3.connect(home / "orch.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, args)]


def no_records(out):
    """Nothing written to OUT (a provider-batch run creates it, empty, when it takes its
    lock)."""
    return not out.exists() or out.read_bytes() == b""


def batch_cost(model, usage):
    prices = Registry.build(base_settings(), environ={}).model(model).prices
    return compute_cost(usage, prices, batch=True)


ANSWER_USAGE = Usage(input_tokens=25, output_tokens=6)


def test_submit_records_the_batch_before_returning_and_status_shows_it(home, api, tmp_path):
    api.batches.finish_after = None  # the provider has not finished
    source, out = write_jsonl(tmp_path / "in.jsonl", 5), tmp_path / "out.jsonl"
    proc = submit(api, home, source, out, "-m", "test-medium-o")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (
        summary["submitted"] == 5 and len(summary["batches"]) == 1 and summary["open_batches"] == 1
    )
    assert no_records(out)  # nothing answered yet
    [batch_id] = summary["batches"]
    [sent] = api.batches.batches.values()
    assert (
        sent.id == batch_id and [r["body"]["model"] for r in sent.requests] == ["test-medium-o"] * 5
    )
    assert "stream" not in sent.requests[0]["body"]
    requests = db_rows(home, "SELECT * FROM provider_batch_requests ORDER BY item_id")
    assert [json.loads(r["item_id"]) for r in requests] == [f"p{i}" for i in range(5)]
    assert {r["batch_id"] for r in requests} == {batch_id} and {r["state"] for r in requests} == {
        "open"
    }
    assert json.loads(requests[0]["request"])["prompt"] == "What is 0 + 1?"
    assert {r["custom_id"] for r in requests} == {r["custom_id"] for r in sent.requests}
    status = batch(api, home, "batch", "status", "--json")
    assert status.returncode == 0, status.stderr
    [shown] = json.loads(status.stdout)
    assert shown["id"] == batch_id and shown["status"] == "in_progress"
    assert shown["counts"] == {"completed": 0, "failed": 0} and shown["requests"] == 5
    assert api.calls() == []  # no live call was made


def test_a_changed_request_is_refused_before_anything_is_collected_or_submitted(
    home, api, tmp_path
):
    source, out = write_jsonl(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    api.batches.finish_after = None
    assert submit(api, home, source, out, "-m", "test-small-a").returncode == 0
    api.batches.finish()
    assert submit(api, home, source, out, "-m", "test-small-a").returncode == 0  # collects
    assert len(read_output(out)) == 2
    calls = len(api.batches.calls)
    proc = submit(api, home, source, out, "-m", "test-small-a", "--max-tokens", "50")
    assert_one_line_error(proc, "asked differently")
    assert proc.returncode == 2 and len(api.batches.calls) == calls  # no call at all


def test_rerun_collects_at_batch_prices_and_resubmits_nothing(home, api, tmp_path):
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 4), tmp_path / "out.jsonl"
    assert submit(api, home, source, out, "-m", "test-small-a").returncode == 0
    again = submit(api, home, source, out, "-m", "test-small-a")  # still open: not resubmitted
    assert json.loads(again.stdout)["submitted"] == 0 and len(api.batches.batches) == 1
    api.batches.finish()
    proc = submit(api, home, source, out, "-m", "test-small-a")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["done"] == 4 and summary["submitted"] == 0 and summary["open_batches"] == 0
    assert summary["already_done"] == 0  # collected by this run: done, not already done
    per_answer = batch_cost("test-small-a", ANSWER_USAGE)
    assert summary["cost"] == pytest.approx(4 * per_answer)
    records = read_output(out)
    assert sorted(r["id"] for r in records) == [f"p{i}" for i in range(4)]
    for record in records:
        assert (
            record["success"] and record["response"] == TEXT and record["provider"] == "anthropic"
        )
        assert record["cost"] == pytest.approx(per_answer)
        assert record["attempts"][0]["prices"]["batch"] is True
        assert record["provider_batches"] == list(api.batches.batches)
    history = db_rows(home, "SELECT * FROM attempts")
    assert len(history) == 4 and all(h["cost"] == pytest.approx(per_answer) for h in history)
    assert all(json.loads(h["prices"])["input_per_mtok"] == 0.05 for h in history)
    requests = db_rows(home, "SELECT * FROM requests")
    assert {r["status"] for r in requests} == {"ok"} and {r["model_used"] for r in requests} == {
        "test-small-a"
    }
    final = submit(api, home, source, out, "-m", "test-small-a")
    assert json.loads(final.stdout)["already_done"] == 4 and len(api.batches.batches) == 1
    assert len(read_output(out)) == 4  # nothing collected twice


def test_per_request_errors_and_expiry_are_failed_records_retried_live(home, api, tmp_path):
    api.batches.faults = {"What is 1 + 1?": "errored", "What is 2 + 1?": "expired"}
    source, out = write_jsonl(tmp_path / "in.jsonl", 4), tmp_path / "out.jsonl"
    args = ("-m", "test-medium-o", "--wait", "--poll-interval", "0", "--no-cache")
    proc = submit(api, home, source, out, *args)
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["done"] == 2 and summary["failed"] == 2 and summary["open_batches"] == 0
    last = {r["id"]: r for r in read_output(out)}
    assert not last["p1"]["success"] and last["p1"]["status"] == "failed"
    assert "errored in the provider batch" in last["p1"]["error"] and "400" in last["p1"]["error"]
    assert "expired" in last["p2"]["error"] and last["p2"]["cost"] == 0
    assert {"request_hash", "attempts", "response"} <= set(last["p1"])  # the live record shape
    assert last["p0"]["success"] and last["p3"]["success"]
    assert api.calls() == []  # nothing live yet
    retry = submit(
        api, home, source, out, "-m", "test-medium-o", "--retry-failed-live", "--no-cache"
    )
    assert retry.returncode == 0, retry.stderr
    assert json.loads(retry.stdout)["retried_live"] == 2
    assert sorted(c["body"]["messages"][-1]["content"] for c in api.calls()) == [
        "What is 1 + 1?",
        "What is 2 + 1?",
    ]
    assert len(api.batches.batches) == 1  # retried live, not in a new provider batch
    last = {r["id"]: r for r in read_output(out)}
    assert all(r["success"] for r in last.values()) and len(read_output(out)) == 6
    assert last["p1"]["attempts"][0]["prices"]["batch"] is False  # a live call: live prices


def test_a_rerun_submits_the_failed_prompts_again_as_a_provider_batch(home, api, tmp_path):
    api.batches.faults = {"What is 0 + 1?": "errored"}
    source, out = write_jsonl(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    args = ("-m", "test-medium-o", "--wait", "--poll-interval", "0")
    assert submit(api, home, source, out, *args).returncode == 1
    api.batches.faults = {}
    proc = submit(api, home, source, out, *args)
    assert proc.returncode == 0, proc.stderr
    second = list(api.batches.batches.values())[-1]
    assert [r["body"]["messages"][-1]["content"] for r in second.requests] == ["What is 0 + 1?"]
    assert all(r["success"] for r in {r["id"]: r for r in read_output(out)}.values())


def test_submissions_split_at_the_api_limits(home, api, tmp_path, monkeypatch):
    from orchestrator_tui.providers import batch_api

    source, out = write_jsonl(tmp_path / "in.jsonl", 7), tmp_path / "out.jsonl"
    monkeypatch.setitem(batch_api.BATCH_LIMITS, "openai", batch_api.BatchLimits(3, 10**9))
    run_in_process(api, source, out, "test-medium-o")
    assert [len(b.requests) for b in api.batches.batches.values()] == [3, 3, 1]
    line = len(api.batches.files[next(iter(api.batches.files))].splitlines()[0]) + 1
    monkeypatch.setitem(batch_api.BATCH_LIMITS, "anthropic", batch_api.BatchLimits(100, 2 * line))
    run_in_process(api, source, tmp_path / "other.jsonl", "test-small-a")
    sizes = [len(b.requests) for b in api.batches.batches.values() if b.wire == "anthropic"]
    assert sum(sizes) == 7 and max(sizes) <= 2 and len(sizes) >= 4
    rows = db_rows_here("SELECT COUNT(DISTINCT batch_id) AS n FROM provider_batch_requests")
    assert rows[0]["n"] == 3 + len(sizes)  # every part recorded


def run_in_process(api, source, out, model):
    """`orch batch SOURCE -o OUT -m MODEL --provider-batch`, in this process (so a test can
    lower the limits): the engine, database and runner the command builds."""
    import asyncio

    from orchestrator_tui.batch.provider_job import JobOptions, run_job
    from orchestrator_tui.batch.provider_session import Session
    from orchestrator_tui.batch.runner import BatchRunner, read_items
    from orchestrator_tui.engine import Request
    from orchestrator_tui.frontend import build_engine
    from orchestrator_tui.store.db import open_db
    from orchestrator_tui.store.worker import close_all

    from .conftest import api_environ, fast_settings

    async def main():
        settings = fast_settings()
        registry = Registry.build(settings, environ=api_environ(api))
        db = open_db()
        engine = build_engine(settings, db=db, registry=registry, demo=False)
        runner = BatchRunner(engine, Request("", strategy="single", model=model), 4, None)
        try:
            return await run_job(
                Session(engine, db), runner, read_items(source), out, "refuse", JobOptions()
            )
        finally:
            await engine.aclose()
            close_all()
            db.close()

    api.batches.finish_after = None
    return asyncio.run(main())


def db_rows_here(sql):
    from orchestrator_tui.store.db import default_db_path

    with sqlite3.connect(default_db_path()) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql)]


def test_cancel_writes_the_cancelled_requests_as_failed(home, api, tmp_path):
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    [batch_id] = json.loads(submit(api, home, source, out, "-m", "test-small-a").stdout)["batches"]
    unknown = batch(api, home, "batch", "cancel", "nope")
    assert_one_line_error(unknown, "no open provider batch 'nope'")
    proc = batch(api, home, "batch", "cancel", batch_id, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "cancelled": [batch_id],
        "forgotten": [],
        "done": 0,
        "failed": 3,
    }
    assert ("POST", f"/v1/messages/batches/{batch_id}/cancel") in api.batches.calls
    records = read_output(out)
    assert len(records) == 3 and all("cancelled" in r["error"] for r in records)
    assert json.loads(batch(api, home, "batch", "status", "--json").stdout) == []


def test_fallback_runs_as_rounds_only_unsure_answers_go_on(home, api, tmp_path):
    hedged = "I think it might be Paris, but I'm not sure."
    api.script(Reply(text=hedged), Reply(text=TEXT), Reply(text=TEXT), model="test-small-a")
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    args = (
        "-s",
        "fallback",
        "--chain",
        "test-small-a,test-large-a",
        "--wait",
        "--poll-interval",
        "0",
    )
    proc = submit(api, home, source, out, *args)
    assert proc.returncode == 0, proc.stderr
    first, second = api.batches.batches.values()
    assert [r["params"]["model"] for r in first.requests] == ["test-small-a"] * 3
    assert [
        (r["params"]["model"], r["params"]["messages"][-1]["content"]) for r in second.requests
    ] == [("test-large-a", "What is 0 + 1?")]
    last = {r["id"]: r for r in read_output(out)}
    assert last["p0"]["model_used"] == "test-large-a" and last["p1"]["model_used"] == "test-small-a"
    assert [a["model"] for a in last["p0"]["attempts"]] == ["test-small-a", "test-large-a"]
    expected = batch_cost("test-small-a", Usage(25, len(hedged.split()))) + batch_cost(
        "test-large-a", ANSWER_USAGE
    )
    assert last["p0"]["cost"] == pytest.approx(expected)
    assert last["p0"]["metadata"]["threshold_met"] is True
    rounds = db_rows(
        home, "SELECT round, COUNT(*) AS n FROM provider_batch_requests GROUP BY round"
    )
    assert [(r["round"], r["n"]) for r in rounds] == [(1, 3), (2, 1)]


def test_a_budget_refuses_a_submission_before_anything_is_uploaded(home, api, tmp_path):
    source, out = write_jsonl(tmp_path / "in.jsonl", 5), tmp_path / "out.jsonl"
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 0.0001\n")
    proc = submit(api, home, source, out, "-m", "test-large-a", "--max-tokens", "1000")
    assert_one_line_error(proc, "provider batch not submitted", "daily budget")
    assert proc.returncode == 1 and api.batches.calls == [] and no_records(out)
    unpriced = submit(api, home, source, out, "-m", "test-mini-a")  # no batch price at all
    assert_one_line_error(unpriced, "provider batch not submitted", "no known price")
    capped = submit(api, home, source, out, "-m", "test-small-a", "-c", "0.00000001")
    assert_one_line_error(capped, "--max-cost $0.000000 has")  # not $1e-08
    assert api.batches.calls == [] and db_rows(home, "SELECT * FROM provider_batches") == []


def test_the_reservation_holds_the_worst_case_and_settles_to_the_real_cost(home, api, tmp_path):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 5), tmp_path / "out.jsonl"
    assert (
        submit(api, home, source, out, "-m", "test-large-a", "--max-tokens", "100").returncode == 0
    )
    [held] = db_rows(home, "SELECT * FROM reservations")
    worst = db_rows(home, "SELECT SUM(worst) AS w FROM provider_batch_requests")[0]["w"]
    per_answer = batch_cost("test-large-a", ANSWER_USAGE)
    assert held["amount"] == pytest.approx(worst) and worst > 5 * per_answer
    assert held["owner"].startswith("provider-batch:")
    status = batch(api, home, "budget", "--json")
    assert status.returncode == 0, status.stderr
    api.batches.finish()
    collected = batch(api, home, "batch", "collect", "--json")
    assert collected.returncode == 0, collected.stderr
    assert json.loads(collected.stdout)["done"] == 5
    assert db_rows(home, "SELECT * FROM reservations") == []
    spent = db_rows(home, "SELECT SUM(cost) AS s FROM attempts")[0]["s"]
    assert spent == pytest.approx(5 * per_answer)


def test_the_demo_provider_has_no_batch_api(home, tmp_path):
    source, out = write_jsonl(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    proc = orch("batch", str(source), "-o", str(out), "--provider-batch", home=home)
    assert_one_line_error(proc, "--provider-batch needs a real provider")
    assert not out.exists()
    alone = orch("batch", str(source), "-o", str(out), "--wait", home=home)
    assert_one_line_error(alone, "go with --provider-batch")


def test_ensemble_submits_every_member_and_the_engine_judges(home, api, tmp_path):
    source, out = write_jsonl(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    members = "test-small-a,test-medium-o"
    args = ("-s", "ensemble", "--models", members, "--wait", "--poll-interval", "0")
    proc = submit(api, home, source, out, *args)
    assert proc.returncode == 0, proc.stderr
    wires = sorted(b.wire for b in api.batches.batches.values())
    assert wires == ["anthropic", "openai"]  # one provider batch per model
    for record in read_output(out):
        assert record["ensemble_models"] == ["test-small-a", "test-medium-o"]
        assert len(record["attempts"]) == 2 and "consensus" in record["metadata"]
        expected = batch_cost("test-small-a", ANSWER_USAGE) + batch_cost(
            "test-medium-o", ANSWER_USAGE
        )
        assert record["cost"] == pytest.approx(expected)


def test_no_log_keeps_the_text_only_until_the_answer_is_written(home, api, tmp_path):
    source, out = write_jsonl(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    args = ("-m", "test-medium-o", "--no-log", "--wait", "--poll-interval", "0")
    assert submit(api, home, source, out, *args).returncode == 0
    assert all(r["response"] == TEXT for r in read_output(out))
    rows = db_rows(home, "SELECT request, outcome, cost FROM provider_batch_requests")
    assert len(rows) == 2 and all(r["cost"] > 0 for r in rows)
    assert all(json.loads(r["request"])["prompt"] == "" for r in rows)
    assert all(json.loads(r["outcome"])["text"] == "" for r in rows)
    assert {r["prompt"] for r in db_rows(home, "SELECT prompt FROM requests")} == {None}


def test_consensus_runs_as_rounds_only_disagreeing_prompts_go_on(home, api, tmp_path):
    other = "Lyon, a large city on the Rhone river."
    api.script(Reply(text=TEXT), Reply(text=other), Reply(text=TEXT), model="test-medium-o")
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    chain = "test-small-a,test-medium-o,test-large-a"
    args = ("-s", "consensus", "--chain", chain, "--wait", "--poll-interval", "0")
    proc = submit(api, home, source, out, *args)
    assert proc.returncode == 0, proc.stderr
    sent = [
        (b.wire, [(r.get("body") or r["params"])["model"] for r in b.requests])
        for b in api.batches.batches.values()
    ]
    assert sorted(sent[:2]) == [
        ("anthropic", ["test-small-a"] * 3),
        ("openai", ["test-medium-o"] * 3),
    ]  # round 1: the chain's first two models, every prompt
    [(wire, models)] = sent[2:]  # round 2: the third model, only the prompt they disagreed on
    last_batch = list(api.batches.batches.values())[-1]
    assert (wire, models) == ("anthropic", ["test-large-a"])
    assert last_batch.requests[0]["params"]["messages"][-1]["content"] == "What is 1 + 1?"
    assert api.calls() == []  # nothing live
    last = {r["id"]: r for r in read_output(out)}
    assert len(read_output(out)) == 3 and all(r["success"] for r in last.values())
    for agreed in ("p0", "p2"):
        record = last[agreed]
        assert record["model_used"] == "test-small-a" and record["response"] == TEXT
        assert [a["model"] for a in record["attempts"]] == ["test-small-a", "test-medium-o"]
        assert record["metadata"]["agreement"] == {"agreed": 2, "escalations": 0}
        assert len(record["provider_batches"]) == 2
    settled = last["p1"]
    assert settled["model_used"] == "test-large-a" and settled["response"] == TEXT
    models_asked = sorted(a["model"] for a in settled["attempts"])
    assert models_asked == ["test-large-a", "test-medium-o", "test-small-a"]
    assert settled["metadata"]["agreement"] == {"agreed": 2, "escalations": 1}
    assert len(settled["provider_batches"]) == 3
    expected = (
        batch_cost("test-small-a", ANSWER_USAGE)
        + batch_cost("test-medium-o", Usage(25, len(other.split())))
        + batch_cost("test-large-a", ANSWER_USAGE)
    )
    assert settled["cost"] == pytest.approx(expected)
    rounds = db_rows(
        home, "SELECT round, COUNT(*) AS n FROM provider_batch_requests GROUP BY round"
    )
    assert [(r["round"], r["n"]) for r in rounds] == [(1, 6), (2, 1)]
    history = db_rows(home, "SELECT model, cost FROM attempts ORDER BY id")
    assert sorted(h["model"] for h in history) == sorted(
        ["test-small-a", "test-medium-o"] * 3 + ["test-large-a"]
    )
    requests = db_rows(home, "SELECT model_used, status FROM requests")
    assert sorted(r["model_used"] for r in requests) == sorted(
        ["test-small-a"] * 2 + ["test-large-a"]
    )
    assert {r["status"] for r in requests} == {"ok"}


def test_cheapest_chooses_each_prompts_model_at_batch_prices_before_submitting(home, api, tmp_path):
    prompts = {"easy": "What is 2+2?", "hard": "Prove that sqrt(2) is irrational", "easy2": "hi"}
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        "".join(json.dumps({"id": k, "prompt": p}) + "\n" for k, p in prompts.items())
    )
    # live, test-small-o is the cheapest for a basic prompt; it has no batch price, so here
    # test-medium-o is; an expert prompt needs an expert tier: test-large-a (test-tiered-o
    # has no batch price)
    pool = "test-small-o,test-medium-o,test-tiered-o,test-large-a"
    api.batches.finish_after = None
    proc = submit(api, home, source, out, "-s", "cheapest", "--models", pool)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["submitted"] == 3
    sent = {
        b.wire: [
            ((r.get("body") or r["params"])["model"], last_message(r.get("body") or r["params"]))
            for r in b.requests
        ]
        for b in api.batches.batches.values()
    }
    assert sent == {
        "openai": [("test-medium-o", prompts["easy"]), ("test-medium-o", prompts["easy2"])],
        "anthropic": [("test-large-a", prompts["hard"])],
    }
    rows = db_rows(home, "SELECT item_id, model, round FROM provider_batch_requests")
    assert {json.loads(r["item_id"]): (r["model"], r["round"]) for r in rows} == {
        "easy": ("test-medium-o", 1),
        "hard": ("test-large-a", 1),
        "easy2": ("test-medium-o", 1),
    }
    api.batches.finish()
    proc = submit(api, home, source, out, "-s", "cheapest", "--models", pool)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["done"] == 3 and len(api.batches.batches) == 2  # no round 2
    last = {r["id"]: r for r in read_output(out)}
    assert {k: r["model_used"] for k, r in last.items()} == {
        "easy": "test-medium-o",
        "hard": "test-large-a",
        "easy2": "test-medium-o",
    }
    assert last["hard"]["metadata"]["routing"]["level"] == "expert"
    assert last["easy"]["metadata"]["routing"]["level"] == "basic"
    assert last["hard"]["cost"] == pytest.approx(
        batch_cost("test-large-a", Usage(25, len(TEXT.split())))
    )


def assert_no_key(proc):
    from .conftest import ANTHROPIC_KEY, OPENAI_KEY

    for key in (ANTHROPIC_KEY, OPENAI_KEY):
        assert key not in proc.stdout and key not in proc.stderr
    assert "SECRET" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "model, call, status",
    [
        ("test-medium-o", "upload", 401),
        ("test-medium-o", "create", 400),
        ("test-small-a", "create", 401),
    ],
)
def test_a_refused_submission_is_one_line_and_leaves_nothing_submitted_or_held(
    home, api, tmp_path, model, call, status
):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    api.batches.refuse = {call: status}
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    proc = submit(api, home, source, out, "-m", model)
    assert_one_line_error(proc, "submitting a batch of 3 request(s)", str(status))
    assert proc.returncode == 1 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert_no_key(proc)
    assert db_rows(home, "SELECT * FROM provider_batches") == []
    assert db_rows(home, "SELECT * FROM provider_batch_requests") == []
    assert db_rows(home, "SELECT * FROM reservations") == []  # no budget left held
    assert no_records(out)
    api.batches.refuse = {}
    again = submit(api, home, source, out, "-m", model)  # nothing was taken as submitted
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["submitted"] == 3 and len(api.batches.batches) == 1


@pytest.mark.parametrize(
    "model, call", [("test-medium-o", "retrieve"), ("test-small-a", "results")]
)
def test_a_failed_poll_is_one_line_and_the_batch_stays_open_for_the_next_run(
    home, api, tmp_path, model, call
):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    first = submit(api, home, source, out, "-m", model)
    assert first.returncode == 0, first.stderr
    [batch_id] = json.loads(first.stdout)["batches"]
    [held] = db_rows(home, "SELECT amount FROM reservations")
    api.batches.finish()
    api.batches.refuse = {call: 500}
    for proc in (
        # no --quiet: stderr is no terminal here, so no progress bar is drawn on it
        submit(api, home, source, out, "-m", model, "--wait", "--poll-interval", "0"),
        batch(api, home, "batch", "collect", "--json"),
    ):
        assert_one_line_error(proc, batch_id, "500")
        assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
        assert_no_key(proc)
        summary = json.loads(proc.stdout)  # the summary still, with the failure
        assert summary["done"] == 0 and summary["open_batches"] == 1
        [error] = summary["errors"]
        assert batch_id in error and "500" in error
    assert no_records(out) and len(api.batches.batches) == 1  # nothing resubmitted
    assert [r["state"] for r in db_rows(home, "SELECT state FROM provider_batches")] == ["open"]
    assert db_rows(home, "SELECT amount FROM reservations") == [held]  # still held: still open
    status = batch(api, home, "batch", "status", "--json")  # the last recorded, with a note
    assert status.returncode == 0, status.stderr
    assert_no_key(status)
    api.batches.refuse = {}
    proc = submit(api, home, source, out, "-m", model)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["done"] == 3 and len(read_output(out)) == 3
    assert db_rows(home, "SELECT * FROM reservations") == []


def test_a_submission_refused_part_way_completes_the_round_before_judging(home, api, tmp_path):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    api.batches.refuse = {"upload": 401}  # openai's part refused, anthropic's accepted
    source, out = write_jsonl(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    args = ("-s", "ensemble", "--models", "test-small-a,test-medium-o")
    proc = submit(api, home, source, out, *args)
    assert_one_line_error(proc, "submitting a batch of 2 request(s)", "401")
    assert_no_key(proc)
    [accepted] = db_rows(home, "SELECT model, reserved FROM provider_batches")
    assert accepted["model"] == "test-small-a"
    [held] = db_rows(home, "SELECT amount FROM reservations")
    assert held["amount"] == pytest.approx(accepted["reserved"])  # only what was accepted
    api.batches.refuse, api.batches.finish_after = {}, 1
    proc = submit(api, home, source, out, *args, "--wait", "--poll-interval", "0")
    assert proc.returncode == 0, proc.stderr
    sent = [(b.wire, len(b.requests)) for b in api.batches.batches.values()]
    assert sent == [("anthropic", 2), ("openai", 2)]  # the missing member, then judged
    for record in read_output(out):
        assert record["ensemble_models"] == ["test-small-a", "test-medium-o"]
        assert sorted(a["model"] for a in record["attempts"]) == ["test-medium-o", "test-small-a"]
    rounds = db_rows(home, "SELECT DISTINCT round FROM provider_batch_requests")
    assert rounds == [{"round": 1}]
    assert db_rows(home, "SELECT * FROM reservations") == []


def test_learned_chooses_each_prompts_model_before_submitting(home, api, tmp_path):
    from .bench_data import structured_rows
    from .bench_data import write_jsonl as write_rows

    names = {"small": "test-small-a", "medium": "test-medium-o", "large": "test-large-a"}
    data = write_rows(tmp_path / "router.jsonl", structured_rows(models=names))
    trained = batch(api, home, "router", "train", "--data", str(data), "--lambda", "0.8")
    assert trained.returncode == 0, trained.stderr
    prompts = {
        "greeting": "hello friend, thanks, nice weather this morning",
        "code": "python function: sort a list in a loop",
        "proof": "prove the lemma: the integral bound, by induction",
    }
    # λ 0.8: each topic's cheapest right model (`orch route --learned` ranks them so)
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        "".join(json.dumps({"id": k, "prompt": p}) + "\n" for k, p in prompts.items())
    )
    api.batches.finish_after = None
    proc = submit(api, home, source, out, "-s", "learned")
    assert proc.returncode == 0, proc.stderr
    chosen = {"greeting": "test-small-a", "code": "test-medium-o", "proof": "test-large-a"}
    rows = db_rows(home, "SELECT item_id, model, round FROM provider_batch_requests")
    assert {json.loads(r["item_id"]): (r["model"], r["round"]) for r in rows} == {
        k: (m, 1) for k, m in chosen.items()
    }
    sent = sorted(
        ((r.get("body") or r["params"])["model"], last_message(r.get("body") or r["params"]))
        for b in api.batches.batches.values()
        for r in b.requests
    )
    assert sent == sorted((chosen[k], p) for k, p in prompts.items())  # one model each
    assert len(api.batches.batches) == 3  # a provider batch per model
    api.batches.finish()
    proc = submit(api, home, source, out, "-s", "learned")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["done"] == 3 and len(api.batches.batches) == 3  # no round 2
    last = {r["id"]: r for r in read_output(out)}
    assert {k: r["model_used"] for k, r in last.items()} == chosen
    assert {r["strategy"] for r in last.values()} == {"learned"}
    assert {r["metadata"]["router"]["lambda"] for r in last.values()} == {0.8}
    assert last["proof"]["cost"] == pytest.approx(batch_cost("test-large-a", ANSWER_USAGE))
    assert api.calls() == []  # nothing live


def test_the_reservation_holds_while_the_batch_is_uncollected_however_late(home, api, tmp_path):
    import time

    from orchestrator_tui.config import BudgetSettings
    from orchestrator_tui.store import budgets

    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    assert submit(api, home, source, out, "-m", "test-large-a").returncode == 0
    worst = db_rows(home, "SELECT SUM(worst) AS w FROM provider_batch_requests")[0]["w"]
    settings = base_settings(budget=BudgetSettings(daily=5.0))
    month = time.time() + 30 * 86400.0  # the provider ended the batch long ago, uncollected

    def held(now):
        with sqlite3.connect(home / "orch.db") as db:
            [state] = budgets.budget_states(db, settings, demo=False, now=now)
            return state.held

    assert held(None) == pytest.approx(worst) and held(month) == pytest.approx(worst)
    api.batches.finish()
    assert batch(api, home, "batch", "collect").returncode == 0
    assert held(None) == 0 and held(month) == 0  # collected: settled into the history
    spent = db_rows(home, "SELECT SUM(cost) AS s FROM attempts")[0]["s"]
    assert 0 < spent < worst


def calls_named(api, name):
    return [
        (method, path)
        for method, path in api.batches.calls
        if call_name(method, path.split("?")[0].strip("/").split("/")[1:]) == name
    ]


@pytest.mark.parametrize("status", [500, 404])
def test_a_refused_cancel_is_one_line_and_leaves_the_batch_open_and_held(
    home, api, tmp_path, status
):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    [batch_id] = json.loads(submit(api, home, source, out, "-m", "test-small-a").stdout)["batches"]
    [held] = db_rows(home, "SELECT amount FROM reservations")
    api.batches.refuse = {"cancel": status}
    for args in ((batch_id,), ()):  # the batch named, or every open one
        proc = batch(api, home, "batch", "cancel", *args)
        assert_one_line_error(proc, f"cancelling {batch_id}", str(status), "still open")
        assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
        assert_no_key(proc)
        hint = "forgets it if" if status == 404 else "tries again"  # what `cancel ID` does
        assert f"`orch batch cancel {batch_id}` {hint}" in proc.stderr
    assert len(calls_named(api, "cancel")) == 2  # a 500 or 404 is not retried
    assert no_records(out) and not api.batches.batches[batch_id].ended
    assert [r["state"] for r in db_rows(home, "SELECT state FROM provider_batches")] == ["open"]
    assert db_rows(home, "SELECT amount FROM reservations") == [held]
    assert db_rows(home, "SELECT * FROM attempts") == []
    api.batches.refuse = {"cancel": Refusal(429, times=1, retry_after="0")}  # retried
    proc = batch(api, home, "batch", "cancel", batch_id, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "cancelled": [batch_id],
        "forgotten": [],
        "done": 0,
        "failed": 3,
    }
    assert api.batches.refuse == {} and len(calls_named(api, "cancel")) == 4
    assert len(read_output(out)) == 3 and db_rows(home, "SELECT * FROM reservations") == []


@pytest.mark.parametrize(
    "model, call",
    [
        ("test-medium-o", "upload"),
        ("test-medium-o", "create"),
        ("test-small-a", "create"),
        ("test-medium-o", "retrieve"),
        ("test-small-a", "results"),
    ],
)
def test_a_429_from_a_batch_endpoint_is_retried_after_its_retry_after(
    home, api, tmp_path, model, call
):
    api.batches.refuse = {call: Refusal(429, times=1, retry_after="0")}
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    proc = submit(api, home, source, out, "-m", model, "--wait", "--poll-interval", "0")
    assert proc.returncode == 0, proc.stderr
    assert api.batches.refuse == {}  # the 429 was answered, and the call made again
    summary = json.loads(proc.stdout)
    assert summary["done"] == 3 and summary["submitted"] == 3 and len(api.batches.batches) == 1
    assert len(read_output(out)) == 3 and len(db_rows(home, "SELECT * FROM attempts")) == 3
    assert len(calls_named(api, "create")) == 1 + (call == "create")


@pytest.mark.parametrize("retry_after, tries", [("0", 7), ("3600", 1)])
def test_a_429_that_persists_is_one_line_and_nothing_is_submitted_or_held(
    home, api, tmp_path, retry_after, tries
):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    api.batches.refuse = {"create": Refusal(429, retry_after=retry_after)}
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    proc = submit(api, home, source, out, "-m", "test-small-a")
    assert_one_line_error(proc, "submitting a batch of 3 request(s)", "429")
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert_no_key(proc)
    # the 6 retries of rate_limit_retries, or none when the wait asked for is over 120 s
    assert len(calls_named(api, "create")) == tries
    assert ("asks to wait 3600 s" in proc.stderr) == (retry_after == "3600")
    assert api.batches.batches == {} and no_records(out)
    assert db_rows(home, "SELECT * FROM provider_batch_requests") == []
    assert db_rows(home, "SELECT * FROM reservations") == []
    api.batches.refuse = {}
    again = submit(api, home, source, out, "-m", "test-small-a")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["submitted"] == 3 and len(api.batches.batches) == 1


def crashing(api, home, target, *args):
    """`orch ARGS` dying at `target` (see tests/crash_at.py); it must have died there."""
    import subprocess
    import sys
    from pathlib import Path

    from .crash_at import CRASHED
    from .test_cli import orch_environ

    proc = subprocess.run(
        [sys.executable, "-m", "tests.crash_at", target, *args],
        env=orch_environ(home, api),
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == CRASHED, proc.stderr
    return proc


@pytest.mark.parametrize(
    "target",
    [
        "orchestrator_tui.store.provider_batches:mark_logged#2",  # inside the history's write
        "orchestrator_tui.batch.outputs:Appender.write#2",  # in the history, not in OUT
        "orchestrator_tui.store.provider_batches:mark_recorded#2",  # in OUT, not marked
    ],
)
def test_a_crash_while_recording_answers_records_each_once(home, api, tmp_path, target):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    assert submit(api, home, source, out, "-m", "test-small-a").returncode == 0
    api.batches.finish()
    crashing(api, home, target, "batch", "collect")
    assert len(read_output(out)) == 1 + ("mark_recorded" in target)
    proc = submit(api, home, source, out, "-m", "test-small-a")
    assert proc.returncode == 0, proc.stderr
    records = read_output(out)
    assert sorted(r["id"] for r in records) == ["p0", "p1", "p2"]  # each once in OUT
    assert all(r["success"] and r["response"] == TEXT for r in records)
    per_answer = batch_cost("test-small-a", ANSWER_USAGE)
    requests = db_rows(home, "SELECT id, cost, status FROM requests")
    assert len(requests) == 3 and {r["status"] for r in requests} == {"ok"}  # once in history
    assert sorted(r["metadata"]["history_id"] for r in records) == sorted(r["id"] for r in requests)
    spent = db_rows(home, "SELECT COUNT(*) AS n, SUM(cost) AS s FROM attempts")[0]
    assert spent["n"] == 3 and spent["s"] == pytest.approx(3 * per_answer)  # counted once
    rows = db_rows(home, "SELECT state, record FROM provider_batch_requests")
    assert rows == [{"state": "recorded", "record": None}] * 3
    assert db_rows(home, "SELECT * FROM reservations") == [] and len(api.batches.batches) == 1
    again = submit(api, home, source, out, "-m", "test-small-a")
    assert json.loads(again.stdout)["already_done"] == 3 and len(read_output(out)) == 3


def provider_argv(source, out, model):
    return ("batch", str(source), "-o", str(out), "-m", model, "--provider-batch", "--json")


@pytest.mark.parametrize("model", ["test-medium-o", "test-small-a"])
def test_a_batch_accepted_but_not_recorded_before_a_crash_is_found_not_resubmitted(
    home, api, tmp_path, model
):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    target = "orchestrator_tui.store.provider_batches:confirm_batch"  # right after create
    crashing(api, home, target, *provider_argv(source, out, model))
    [accepted] = api.batches.batches.values()  # the provider has it; orch has not its id
    [intent] = db_rows(home, "SELECT * FROM provider_batches")
    assert intent["state"] == "submitting" and intent["id"] != accepted.id
    if accepted.wire == "openai":
        assert accepted.metadata == {"orch_submission": intent["token"]}
        assert accepted.input_file_id == intent["file_id"]
    [held] = db_rows(home, "SELECT amount FROM reservations")
    assert held["amount"] == pytest.approx(intent["reserved"])  # still held
    [shown] = json.loads(batch(api, home, "batch", "status", "--json").stdout)
    assert shown["status"] == "submitting" and shown["requests"] == 3
    proc = submit(api, home, source, out, "-m", model)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["submitted"] == 0 and len(api.batches.batches) == 1
    assert accepted.id in proc.stderr and len(proc.stderr.strip().splitlines()) <= 2
    if accepted.wire == "anthropic":  # no tag: told by its results, once it has ended
        assert "cannot tell yet" in proc.stderr
        assert db_rows(home, "SELECT state FROM provider_batches") == [{"state": "submitting"}]
    else:  # its metadata names it at once
        assert "tracked now" in proc.stderr
        assert db_rows(home, "SELECT id, state FROM provider_batches") == [
            {"id": accepted.id, "state": "open"}
        ]
    assert db_rows(home, "SELECT amount FROM reservations") == [held]
    api.batches.finish()
    proc = submit(api, home, source, out, "-m", model)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["done"] == 3 and len(api.batches.batches) == 1  # paid once
    records = read_output(out)
    assert sorted(r["id"] for r in records) == ["p0", "p1", "p2"]
    assert all(r["provider_batches"] == [accepted.id] for r in records)
    assert db_rows(home, "SELECT * FROM reservations") == []


def foreign_batch(api, wire, size):
    """A batch of the same size another program made meanwhile, ended: never orch's."""
    key = "body" if wire == "openai" else "params"
    requests = [
        {
            "custom_id": f"other-{i}",
            key: {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 5},
        }
        for i in range(size)
    ]
    batch = api.batches.create("batch" if wire == "openai" else "msgbatch", wire, requests)
    batch.input_file_id = "file_other"
    api.batches.end(batch)
    return batch


@pytest.mark.parametrize(
    "model, target",
    [
        ("test-medium-o", "orchestrator_tui.providers.openai_batch:OpenAIBatches.create"),
        ("test-small-a", "orchestrator_tui.providers.anthropic_batch:AnthropicBatches.create"),
    ],
)
def test_a_batch_a_crash_kept_from_the_provider_is_submitted_again(
    home, api, tmp_path, model, target
):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    crashing(api, home, target, *provider_argv(source, out, model))
    assert api.batches.batches == {}
    assert db_rows(home, "SELECT state FROM provider_batches") == [{"state": "submitting"}]
    wire = "openai" if model.endswith("-o") else "anthropic"
    other = foreign_batch(api, wire, 3)
    proc = submit(api, home, source, out, "-m", model, "--wait", "--poll-interval", "0")
    assert proc.returncode == 0, proc.stderr
    assert "never reached" in proc.stderr and other.id not in proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["submitted"] == 3 and summary["done"] == 3
    [mine] = [b for b in api.batches.batches.values() if b is not other]
    assert summary["batches"] == [mine.id]
    assert all(r["provider_batches"] == [mine.id] for r in read_output(out))
    assert db_rows(home, "SELECT id FROM provider_batches") == [{"id": mine.id}]
    assert db_rows(home, "SELECT * FROM reservations") == []


@pytest.mark.parametrize("model", ["test-medium-o", "test-small-a"])
@pytest.mark.parametrize("status", [0, 500])  # no answer; a server error
def test_a_creation_that_gets_no_answer_or_a_5xx_is_kept_for_the_next_run_to_resolve(
    home, api, tmp_path, model, status
):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    # the batch is made, then the connection closes or the provider answers 500
    api.batches.refuse = {"create": Refusal(status, times=1, done_first=True)}
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    proc = submit(api, home, source, out, "-m", model)
    assert_one_line_error(
        proc, "submitting a batch of 3 request(s)", "accepted the batch is unknown"
    )
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert_no_key(proc)
    [accepted] = api.batches.batches.values()
    assert db_rows(home, "SELECT state FROM provider_batches") == [{"state": "submitting"}]
    assert len(db_rows(home, "SELECT * FROM reservations")) == 1  # still held
    api.batches.finish()  # ended: an Anthropic batch can then be told by its results
    api.batches.refuse = {"list": 500}  # cannot look for it: nothing is submitted either
    proc = submit(api, home, source, out, "-m", model)
    assert_one_line_error(proc, "looking for the batch of 3 request(s)", "500")
    assert_no_key(proc)
    assert len(api.batches.batches) == 1 and no_records(out)
    api.batches.refuse = {}
    proc = submit(api, home, source, out, "-m", model)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["submitted"] == 0 and summary["done"] == 3 and len(api.batches.batches) == 1
    assert f"as {accepted.id}: tracked now" in proc.stderr
    assert all(r["provider_batches"] == [accepted.id] for r in read_output(out))
    assert db_rows(home, "SELECT * FROM reservations") == []


def test_a_creation_answered_with_a_5xx_that_made_nothing_is_submitted_once_by_the_rerun(
    home, api, tmp_path
):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.refuse = {"create": Refusal(500, times=1)}  # refused before making anything
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    proc = submit(api, home, source, out, "-m", "test-medium-o")
    assert_one_line_error(proc, "500", "accepted the batch is unknown")
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1
    assert_no_key(proc)
    assert api.batches.batches == {} and len(calls_named(api, "create")) == 1
    assert db_rows(home, "SELECT state FROM provider_batches") == [{"state": "submitting"}]
    assert len(db_rows(home, "SELECT * FROM reservations")) == 1  # held until resolved
    proc = submit(api, home, source, out, "-m", "test-medium-o", "--wait", "--poll-interval", "0")
    assert proc.returncode == 0, proc.stderr
    assert "never reached" in proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["submitted"] == 3 and summary["done"] == 3
    assert len(api.batches.batches) == 1 and len(calls_named(api, "create")) == 2  # once more
    assert all(r["provider_batches"] == summary["batches"] for r in read_output(out))
    assert db_rows(home, "SELECT * FROM reservations") == []


@pytest.mark.parametrize("model", ["test-medium-o", "test-small-a"])
def test_a_batch_the_provider_no_longer_knows_is_forgotten_by_cancel_id(home, api, tmp_path, model):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    [batch_id] = json.loads(submit(api, home, source, out, "-m", model).stdout)["batches"]
    [held] = db_rows(home, "SELECT amount FROM reservations")
    del api.batches.batches[batch_id]  # deleted at the provider: a 404 to every call
    for proc in (
        submit(api, home, source, out, "-m", model),
        batch(api, home, "batch", "collect"),
        batch(api, home, "batch", "cancel"),  # every open batch: a 404 forgets none
    ):
        assert_one_line_error(proc, batch_id, "404", f"orch batch cancel {batch_id}")
        lines = proc.stderr.strip().splitlines()  # `collect`'s summary first, then the error
        assert proc.returncode == 1 and sum(line.startswith("orch:") for line in lines) == 1
        assert_no_key(proc)
    status = batch(api, home, "batch", "status", "--json")
    assert status.returncode == 0, status.stderr
    [shown] = json.loads(status.stdout)
    assert shown["id"] == batch_id and shown["status"] == "not_found"
    assert "does not know batch" in status.stderr and len(status.stderr.splitlines()) == 1
    assert_no_key(status)
    assert no_records(out) and db_rows(home, "SELECT amount FROM reservations") == [held]
    proc = batch(api, home, "batch", "cancel", batch_id, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "cancelled": [],
        "forgotten": [batch_id],
        "done": 0,
        "failed": 3,
    }
    assert f"does not know batch {batch_id}" in proc.stderr and "forgotten" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert_no_key(proc)
    assert db_rows(home, "SELECT state FROM provider_batches") == [{"state": "gone"}]
    assert db_rows(home, "SELECT * FROM reservations") == []  # released
    records = read_output(out)
    assert sorted(r["id"] for r in records) == ["p0", "p1", "p2"]
    assert all(not r["success"] and "no longer knows" in r["error"] for r in records)
    assert json.loads(batch(api, home, "batch", "status", "--json").stdout) == []
    api.batches.finish_after = 1
    proc = submit(api, home, source, out, "-m", model, "--wait", "--poll-interval", "0")
    assert proc.returncode == 0, proc.stderr  # a rerun asks them again, in a new batch
    summary = json.loads(proc.stdout)
    assert summary["submitted"] == 3 and summary["done"] == 3 and len(api.batches.batches) == 1
    assert all(r["success"] for r in {r["id"]: r for r in read_output(out)}.values())


@contextlib.contextmanager
def holding(out):
    """OUT's lock held, as another orch run writing to it holds it."""
    import fcntl

    out.touch()
    with open(out, "rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def test_a_run_on_an_out_another_run_holds_is_refused_before_submitting(home, api, tmp_path):
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    with holding(out):
        proc = submit(api, home, source, out, "-m", "test-small-a")
    assert_one_line_error(proc, str(out), "another orch run is writing to it")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert api.batches.calls == [] and db_rows(home, "SELECT * FROM provider_batches") == []
    proc = submit(api, home, source, out, "-m", "test-small-a")  # once it is free
    assert proc.returncode == 0 and json.loads(proc.stdout)["submitted"] == 3, proc.stderr


def test_collect_skips_an_out_another_run_holds_and_collects_the_others(home, api, tmp_path):
    api.batches.finish_after = None
    source = write_jsonl(tmp_path / "in.jsonl", 3)
    held, free = tmp_path / "held.jsonl", tmp_path / "free.jsonl"
    for out in (held, free):
        assert submit(api, home, source, out, "-m", "test-small-a").returncode == 0
    api.batches.finish()
    with holding(held):
        proc = batch(api, home, "batch", "collect", "--json")
    assert proc.returncode == 0, proc.stderr  # skipped: that run collects it
    summary = json.loads(proc.stdout)
    assert summary["done"] == 3 and summary["skipped_outputs"] == [str(held)]
    assert f"{held}: another orch run is writing to it" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1  # the skip
    assert no_records(held) and len(read_output(free)) == 3
    assert summary["open_batches"] == 1
    again = batch(api, home, "batch", "collect", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["done"] == 3, again.stderr
    assert len(read_output(held)) == 3 and len(read_output(free)) == 3  # each once
    assert len(db_rows(home, "SELECT * FROM requests")) == 6


def test_a_prompt_is_logged_once_even_by_two_collections_without_the_lock(home, tmp_path):
    from orchestrator_tui.store import provider_batches as store
    from orchestrator_tui.store.db import open_db
    from orchestrator_tui.store.transactions import transaction

    db = open_db(home / "orch.db")
    batch = {"id": "b1", "provider": "anthropic", "model": "m", "round": 1, "state": "open"}
    batch.update(submission="s", output="o", requests=2)
    base = {"submission": "s", "job": "j", "output": "o", "item_key": "k", "item_id": "k"}
    base.update(request="{}", request_hash="h", model="m", round=1)
    rows = [{**base, "custom_id": c} for c in ("c1", "c2")]
    store.record_batch(db, batch, rows)
    store.store_outcomes(db, "b1", [("c1", 0.0, {}), ("c2", 0.0, {})])
    store.mark_logged(db, ["c1", "c2"], {"id": "k"})  # the first collection
    with pytest.raises(store.AlreadyLogged), transaction(db, immediate=True):
        db.execute("INSERT INTO reservations VALUES ('x', 1, 0, 0, 0)")
        store.mark_logged(db, ["c1", "c2"], {"id": "k", "again": True})  # the second
    assert db.execute("SELECT * FROM reservations WHERE owner = 'x'").fetchall() == []
    records = db.execute("SELECT record FROM provider_batch_requests WHERE record IS NOT NULL")
    assert [json.loads(r[0]) for r in records] == [{"id": "k"}]  # rolled back, whole


@pytest.mark.parametrize("how", ["cancel", "forget"])
def test_a_cancel_never_submits_a_next_round(home, api, tmp_path, how):
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    chain = ("-s", "fallback", "--chain", "test-small-a,test-large-a")
    first = submit(api, home, source, out, *chain)
    assert first.returncode == 0, first.stderr
    [batch_id] = json.loads(first.stdout)["batches"]
    if how == "forget":
        del api.batches.batches[batch_id]  # a 404: `cancel ID` forgets it
    proc = batch(api, home, "batch", "cancel", batch_id, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["failed"] == 3
    assert len(api.batches.batches) == (1 if how == "cancel" else 0)  # no round 2
    assert db_rows(home, "SELECT DISTINCT round FROM provider_batch_requests") == [{"round": 1}]
    records = read_output(out)
    assert sorted(r["id"] for r in records) == ["p0", "p1", "p2"]
    assert all(not r["success"] for r in records)
    again = batch(api, home, "batch", "collect", "--json")  # nor does a later collection
    assert again.returncode == 0 and json.loads(again.stdout)["submitted"] == [], again.stderr
    assert json.loads(batch(api, home, "batch", "status", "--json").stdout) == []


def test_a_failing_batch_or_out_does_not_stop_collecting_the_others(home, api, tmp_path):
    import shutil

    api.batches.finish_after = None
    source = write_jsonl(tmp_path / "in.jsonl", 2)
    (tmp_path / "gone").mkdir()
    lost, removed = tmp_path / "lost.jsonl", tmp_path / "gone" / "out.jsonl"
    fine, other = tmp_path / "fine.jsonl", tmp_path / "other.jsonl"
    ids = {}
    for out, model in ((lost, "test-small-a"), (removed, "test-small-a")):
        ids[out] = json.loads(submit(api, home, source, out, "-m", model).stdout)["batches"][0]
    for out, model in ((fine, "test-medium-o"), (other, "test-small-a")):
        assert submit(api, home, source, out, "-m", model).returncode == 0
    api.batches.finish()
    del api.batches.batches[ids[lost]]  # a 404 to its poll
    shutil.rmtree(tmp_path / "gone")  # OUT's directory removed
    proc = batch(api, home, "batch", "collect", "--json")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("orch: error: ") for line in lines)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert any(ids[lost] in line and "404" in line for line in lines)
    assert any(str(removed) in line and "cannot be opened" in line for line in lines)
    summary = json.loads(proc.stdout)  # what was collected, reported all the same
    assert summary["done"] == 4 and summary["open_batches"] == 1  # the 404: still open
    assert sorted(f"orch: error: {e}" for e in summary["errors"]) == sorted(lines)
    assert len(read_output(fine)) == 2 and len(read_output(other)) == 2  # collected
    states = db_rows(home, "SELECT id, state FROM provider_batches WHERE state = 'open'")
    assert [r["id"] for r in states] == [ids[lost]]  # still open, held
    # the OUT that cannot be opened: its results downloaded all the same, before they expire
    [gone] = db_rows(home, "SELECT state FROM provider_batches WHERE id = ?", ids[removed])
    assert gone["state"] == "collected" and not removed.exists()
    (tmp_path / "gone").mkdir()
    downloads = len(calls_named(api, "results"))
    again = batch(api, home, "batch", "collect", "--json")  # OUT back: written from the store
    assert len(read_output(removed)) == 2 and json.loads(again.stdout)["done"] == 2
    assert len(calls_named(api, "results")) == downloads  # not downloaded again


def test_an_anthropic_search_ignores_the_batches_orch_already_tracks(home, api, tmp_path):
    api.batches.finish_after = None
    source = write_jsonl(tmp_path / "in.jsonl", 3)
    tracked, out = tmp_path / "tracked.jsonl", tmp_path / "out.jsonl"
    [mine] = json.loads(submit(api, home, source, tracked, "-m", "test-small-a").stdout)["batches"]
    api.batches.refuse = {"create": Refusal(500, times=1)}  # made nothing: unknown to orch
    proc = submit(api, home, source, out, "-m", "test-small-a")
    assert_one_line_error(proc, "500", "accepted the batch is unknown")
    proc = submit(api, home, source, out, "-m", "test-small-a")  # same size, same time
    assert proc.returncode == 0, proc.stderr
    assert "never reached" in proc.stderr and mine not in proc.stderr
    assert time.strftime("%Z") in proc.stderr  # when it was submitted, with its zone
    assert json.loads(proc.stdout)["submitted"] == 3 and len(api.batches.batches) == 2


def test_prompts_that_cannot_be_sent_are_counted_as_failed(home, api, tmp_path):
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    proc = submit(api, home, source, out, "-m", "nosuchmodel")
    assert proc.returncode == 1, proc.stderr  # as the live batch
    summary = json.loads(proc.stdout)
    assert summary["failed"] == 3 and summary["submitted"] == 0 and api.batches.calls == []
    assert [r["status"] for r in read_output(out)] == ["failed"] * 3


def test_the_summaries_report_a_submission_not_resolved_yet(home, api, tmp_path):
    api.batches.finish_after = None  # the candidate keeps running: it cannot be told yet
    api.batches.refuse = {"create": Refusal(0, times=1, done_first=True)}
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    assert submit(api, home, source, out, "-m", "test-small-a").returncode == 1
    proc = submit(api, home, source, out, "-m", "test-small-a")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["unresolved"] == 1 and summary["submitted"] == 0
    text = batch(api, home, "batch", "collect")
    assert text.returncode == 0, text.stderr
    assert "1 interrupted submission(s) not resolved yet" in text.stderr
    collected = json.loads(batch(api, home, "batch", "collect", "--json").stdout)
    assert collected["unresolved"] == 1 and len(api.batches.batches) == 1


def test_a_batch_whose_provider_has_no_key_says_the_key_is_missing(home, api, tmp_path):
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 2), tmp_path / "out.jsonl"
    [batch_id] = json.loads(submit(api, home, source, out, "-m", "test-small-a").stdout)["batches"]
    for command in ("collect", "cancel"):
        proc = batch(api, home, "batch", command, env={"ANTHROPIC_API_KEY": ""})
        assert_one_line_error(proc, batch_id, "no API key", "ANTHROPIC_API_KEY is not set")
        assert "authentication method" not in proc.stderr
    status = batch(api, home, "batch", "status", env={"ANTHROPIC_API_KEY": ""})
    assert "ANTHROPIC_API_KEY is not set" in status.stderr


@pytest.mark.parametrize("made", [True, False])
def test_an_interrupted_submission_can_be_cancelled_by_its_placeholder(home, api, tmp_path, made):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 5.0\n")
    api.batches.finish_after = None
    # the batch made (or not), then a creation that gets no answer
    api.batches.refuse = {"create": Refusal(0 if made else 500, times=1, done_first=made)}
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    assert submit(api, home, source, out, "-m", "test-medium-o").returncode == 1
    [row] = db_rows(home, "SELECT id FROM provider_batches")
    assert row["id"].startswith("submitting:")
    proc = batch(api, home, "batch", "cancel", row["id"], "--json")
    assert proc.returncode == 0, proc.stderr
    done = json.loads(proc.stdout)
    if made:
        [accepted] = api.batches.batches.values()
        assert done["cancelled"] == [accepted.id] and done["failed"] == 3
        assert accepted.ended and len(read_output(out)) == 3
    else:
        assert done["forgotten"] == [row["id"]] and api.batches.batches == {}
        assert db_rows(home, "SELECT * FROM provider_batches") == []
    assert db_rows(home, "SELECT * FROM reservations") == []


def test_a_prompt_that_cannot_be_sent_retried_live_is_counted_once(home, api, tmp_path):
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    args = ("-m", "nosuchmodel", "--retry-failed-live", "--no-cache")
    proc = submit(api, home, source, out, *args)
    assert proc.returncode == 1
    summary = json.loads(proc.stdout)
    assert summary["total"] == 3 and summary["retried_live"] == 3 and summary["submitted"] == 0
    assert summary["failed"] == 3 and summary["done"] == 0  # once each, by the live outcome
    assert all(not r["success"] for r in read_output(out))


def test_a_batch_failure_retried_live_in_the_same_run_is_counted_once(home, api, tmp_path):
    api.batches.faults = {"What is 1 + 1?": "errored"}
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    args = ("-m", "test-medium-o", "--wait", "--poll-interval", "0", "--no-cache")
    proc = submit(api, home, source, out, *args, "--retry-failed-live")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["done"] == 3 and summary["failed"] == 0 and summary["retried_live"] == 1


def test_an_out_removed_or_unwritable_while_collected_is_one_line_and_the_others_go_on(
    home, api, tmp_path
):
    import shutil

    api.batches.finish_after = None
    source = write_jsonl(tmp_path / "in.jsonl", 2)
    (tmp_path / "gone").mkdir()
    removed, full, fine = tmp_path / "gone" / "out.jsonl", tmp_path / "full", tmp_path / "fine"
    full.symlink_to("/dev/full")  # every write: ENOSPC
    for out in (removed, full, fine):
        assert submit(api, home, source, out, "-m", "test-small-a").returncode == 0
    api.batches.finish()
    # OUT's directory removed once its lock is held (its first batch polled)
    api.batches.before = {"retrieve": lambda: shutil.rmtree(tmp_path / "gone")}
    proc = batch(api, home, "batch", "collect", "--json")
    assert proc.returncode in (1, 2)  # the last failure's exit status, not 70
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("orch: error: ") for line in lines)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert any(str(removed) in line and "cannot be opened" in line for line in lines)
    assert any("/dev/full" in line and "No space left" in line for line in lines)
    assert len(read_output(fine)) == 2 and json.loads(proc.stdout)["done"] == 2


def test_an_appender_under_a_held_lock_refuses_an_out_gone_in_one_line(tmp_path):
    from orchestrator_tui.batch.outputs import Appender, locked
    from orchestrator_tui.errors import UsageError

    (tmp_path / "gone").mkdir()
    out = tmp_path / "gone" / "out.jsonl"
    with locked(out, create=True):
        out.unlink()
        (tmp_path / "gone").rmdir()
        with pytest.raises(UsageError, match="cannot be opened"), Appender(out):
            pass


def test_a_bare_cancel_cancels_a_crashed_submission_it_finds(home, api, tmp_path):
    api.batches.finish_after = None
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    target = "orchestrator_tui.store.provider_batches:confirm_batch"  # right after create
    crashing(api, home, target, *provider_argv(source, out, "test-medium-o"))
    [accepted] = api.batches.batches.values()
    proc = batch(api, home, "batch", "cancel", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["cancelled"] == [accepted.id]
    assert accepted.status in ("cancelling", "cancelled")
    assert db_rows(home, "SELECT id, cancelled FROM provider_batches") == [
        {"id": accepted.id, "cancelled": 1}
    ]


@pytest.mark.parametrize("status", [500, 400])
def test_a_cancel_the_provider_may_have_acted_on_submits_no_next_round(home, api, tmp_path, status):
    api.batches.finish_after = None
    api.batches.faults = {"What is 0 + 1?": "errored"}  # p0 goes on to round 2 if not cancelled
    source, out = write_jsonl(tmp_path / "in.jsonl", 3), tmp_path / "out.jsonl"
    chain = ("-s", "fallback", "--chain", "test-small-a,test-large-a")
    [batch_id] = json.loads(submit(api, home, source, out, *chain).stdout)["batches"]
    # a 5xx after the provider cancelled it; a 4xx: clearly refused, nothing done
    api.batches.refuse = {"cancel": Refusal(status, times=1, done_first=status == 500)}
    proc = batch(api, home, "batch", "cancel", batch_id)
    assert_one_line_error(proc, f"cancelling {batch_id}", str(status))
    [row] = db_rows(home, "SELECT cancelled FROM provider_batches")
    assert row["cancelled"] == (status == 500)
    api.batches.finish()
    again = batch(api, home, "batch", "collect", "--json")
    assert again.returncode in (0, 1), again.stderr
    submitted = json.loads(again.stdout)["submitted"]
    assert (submitted == []) == (status == 500)  # a next round only if clearly not cancelled


@pytest.mark.parametrize("how", ["removed", "replaced"])
def test_an_appender_under_a_held_lock_refuses_an_out_removed_or_replaced(tmp_path, how):
    from orchestrator_tui.batch.outputs import Appender, compact, locked
    from orchestrator_tui.errors import UsageError

    out = tmp_path / "out.jsonl"
    with locked(out, create=True):
        with pytest.raises(UsageError, match="this run is writing to it"):
            compact(out)  # its lock would stay on the file compact replaces
        out.unlink()
        if how == "replaced":
            out.write_bytes(b"")  # a new file: not the one locked
        refusal = "removed or replaced" if how == "replaced" else "cannot be opened"
        with pytest.raises(UsageError, match=refusal), Appender(out):
            pass
    assert (out.read_bytes() == b"") if how == "replaced" else not out.exists()  # not created
