"""`orch batch --provider-batch`: the providers' batch APIs through the real SDKs, against the
fake server's Files, Batches and Message Batches endpoints (tests/fake_batches.py).

The tests drive the batches' states themselves (`finish_after`, `finish()`): nothing waits
for time. On the tests' registry test-medium-o (openai) and test-small-a and test-large-a
(anthropic) have batch prices (half the standard ones); test-mini-a has none."""

from __future__ import annotations

import json
import sqlite3

import pytest

from orchestrator_tui.engine.cost import compute_cost
from orchestrator_tui.registry import Registry
from orchestrator_tui.types import Usage

from .conftest import base_settings, write_config
from .fake_server import Reply
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
    return batch(api, home, "batch", str(source), "-o", str(out), "--provider-batch", "--json", *args)


def db_rows(home, sql, *args):
    with sqlite3.connect(home / "orch.db") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, args)]


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
    assert summary["submitted"] == 5 and len(summary["batches"]) == 1 and summary["open_batches"] == 1
    assert not out.exists()  # nothing answered yet
    [batch_id] = summary["batches"]
    [sent] = api.batches.batches.values()
    assert sent.id == batch_id and [r["body"]["model"] for r in sent.requests] == ["test-medium-o"] * 5
    assert "stream" not in sent.requests[0]["body"]
    requests = db_rows(home, "SELECT * FROM provider_batch_requests ORDER BY item_id")
    assert [json.loads(r["item_id"]) for r in requests] == [f"p{i}" for i in range(5)]
    assert {r["batch_id"] for r in requests} == {batch_id} and {r["state"] for r in requests} == {"open"}
    assert json.loads(requests[0]["request"])["prompt"] == "What is 0 + 1?"
    assert {r["custom_id"] for r in requests} == {r["custom_id"] for r in sent.requests}
    status = batch(api, home, "batch", "status", "--json")
    assert status.returncode == 0, status.stderr
    [shown] = json.loads(status.stdout)
    assert shown["id"] == batch_id and shown["status"] == "in_progress"
    assert shown["counts"] == {"completed": 0, "failed": 0} and shown["requests"] == 5
    assert api.calls() == []  # no live call was made


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
    per_answer = batch_cost("test-small-a", ANSWER_USAGE)
    assert summary["cost"] == pytest.approx(4 * per_answer)
    records = read_output(out)
    assert sorted(r["id"] for r in records) == [f"p{i}" for i in range(4)]
    for record in records:
        assert record["success"] and record["response"] == TEXT and record["provider"] == "anthropic"
        assert record["cost"] == pytest.approx(per_answer)
        assert record["attempts"][0]["prices"]["batch"] is True
        assert record["provider_batches"] == list(api.batches.batches)
    history = db_rows(home, "SELECT * FROM attempts")
    assert len(history) == 4 and all(h["cost"] == pytest.approx(per_answer) for h in history)
    assert all(json.loads(h["prices"])["input_per_mtok"] == 0.05 for h in history)
    requests = db_rows(home, "SELECT * FROM requests")
    assert {r["status"] for r in requests} == {"ok"} and {r["model_used"] for r in requests} == {"test-small-a"}
    final = submit(api, home, source, out, "-m", "test-small-a")
    assert json.loads(final.stdout)["already_done"] == 4 and len(api.batches.batches) == 1
    assert len(read_output(out)) == 4  # nothing collected twice
