"""`orch batch`: every answer once, resumable, within budget and rate limits."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from orchestrator_tui.batch.runner import BatchRunner, read_items
from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.engine.ratelimit import RateLimiter
from orchestrator_tui.registry import Registry

from .conftest import api_environ, fast_settings, write_config
from .fake_server import Gate, Reply
from .test_cli import assert_one_line_error, orch, start_orch


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def write_jsonl(path, count, **extra):
    path.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "prompt": f"What is {i} + 1?", **extra}) + "\n"
            for i in range(count)
        )
    )
    return path


def read_output(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_batch_answers_every_prompt_once_and_resumes(home, tmp_path, fake_api):
    source = write_jsonl(tmp_path / "in.jsonl", 12)
    out = tmp_path / "out.jsonl"
    env = api_environ(fake_api)
    proc = orch(
        "batch",
        str(source),
        "-o",
        str(out),
        "-m",
        "test-small-o",
        "--concurrency",
        "4",
        "--json",
        "--no-cache",
        home=home,
        env_extra=env,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["done"] == 12 and summary["failed"] == 0 and summary["cost"] > 0
    records = read_output(out)
    assert sorted(r["id"] for r in records) == sorted(f"p{i}" for i in range(12))
    for record in records:
        assert {"response", "model_used", "cost", "attempts", "provider"} <= set(record)
        assert record["provider"] == "openai"
    assert len(fake_api.requests) == 12
    again = orch(
        "batch",
        str(source),
        "-o",
        str(out),
        "-m",
        "test-small-o",
        "--json",
        "--no-cache",
        home=home,
        env_extra=env,
    )
    assert json.loads(again.stdout)["already_done"] == 12
    assert len(fake_api.requests) == 12  # no request for ids already answered


def test_failed_prompts_are_written_with_their_error_and_retried_on_rerun(home, tmp_path, fake_api):
    source = write_jsonl(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out.jsonl"
    fake_api.script(Reply(status=400, error_type="invalid_request_error"))
    env = api_environ(fake_api)
    proc = orch(
        "batch",
        str(source),
        "-o",
        str(out),
        "-m",
        "test-small-o",
        "--concurrency",
        "1",
        "--quiet",
        "--no-cache",
        home=home,
        env_extra=env,
    )
    assert proc.returncode == 1
    failed = [r for r in read_output(out) if not r["success"]]
    assert len(failed) == 1 and "400" in failed[0]["error"]
    assert "1 failed" in proc.stderr
    rerun = orch(
        "batch",
        str(source),
        "-o",
        str(out),
        "-m",
        "test-small-o",
        "--quiet",
        "--no-cache",
        home=home,
        env_extra=env,
    )
    assert rerun.returncode == 0
    records = read_output(out)  # the failure stays, superseded by the later success
    last = {r["id"]: r for r in records}
    assert len(records) == 4 and all(r["success"] for r in last.values())


def test_csv_input(home, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        'id,prompt,category\n1,What is 2+2?,math\n2,"Capital of France, please?",geo\n'
    )
    out = tmp_path / "out.jsonl"
    proc = orch("batch", str(source), "-o", str(out), "--quiet", home=home)
    assert proc.returncode == 0, proc.stderr
    assert {r["id"] for r in read_output(out)} == {"1", "2"}


def test_max_cost_covers_the_whole_batch(home, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out.jsonl"
    budget = 0.002
    proc = orch(
        "batch",
        str(source),
        "-o",
        str(out),
        "-m",
        "test-medium-o",
        "--max-tokens",
        "100",
        "-c",
        str(budget),
        "--json",
        "--no-cache",
        home=home,
    )
    assert proc.returncode == 1
    summary = json.loads(proc.stdout)
    assert summary["skipped"] > 0 and summary["done"] > 0
    assert summary["cost"] <= budget
    skipped = [r for r in read_output(out) if r["status"] == "skipped"]
    assert skipped and "budget" in skipped[0]["error"]


@pytest.mark.parametrize(
    "content, needle",
    [
        ('{"id": "1"}\n', "needs an id and a non-empty prompt"),
        ('{"id": "1", "prompt": "a"}\n{"id": "1", "prompt": "b"}\n', "appears twice"),
        ('{"id": "1", "prompt": "a", "colour": "red"}\n', "unknown field 'colour'"),
        ("not json\n", "not valid JSON"),
    ],
)
def test_bad_input_is_one_line_with_file_and_line(home, tmp_path, content, needle):
    source = tmp_path / "in.jsonl"
    source.write_text(content)
    proc = orch("batch", str(source), "-o", str(tmp_path / "o.jsonl"), home=home)
    assert_one_line_error(proc, "in.jsonl:", needle)


def test_ctrl_c_leaves_only_whole_answers(home, tmp_path, fake_api):
    source = write_jsonl(tmp_path / "in.jsonl", 40)
    out = tmp_path / "out.jsonl"
    held = [Reply(gate=Gate(after=2)) for _ in range(37)]  # two chunks, then wait
    fake_api.script(Reply(), Reply(), Reply(), *held)
    batch = ["batch", str(source), "-o", str(out), "-m", "test-small-o", "--concurrency", "2"]
    process = start_orch(
        *batch,
        "--quiet",
        "--no-cache",
        home=home,
        fake_api=fake_api,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # A worker appends its answer before it takes the next prompt: once both workers are in
    # the middle of a held stream (prompts 4 and 5), the first three answers are written.
    for reply in held[:2]:
        reply.gate.wait()
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    text = out.read_text()
    assert text.endswith("\n")
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == 3  # the two streams cut short left nothing behind


class RecordingLimiter(RateLimiter):
    """The real limiter, noting when (on its own clock) it admitted each call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.admitted: list[float] = []

    async def acquire(self, *args, **kwargs):
        ticket = await super().acquire(*args, **kwargs)
        self.admitted.append(ticket.timestamp)
        return ticket


async def test_configured_rpm_below_the_servers_limit_never_meets_a_429(fake_api, tmp_path):
    fake_api.rate_limit = (6, 1.0)  # the server: 6 requests per second
    settings = fast_settings()
    registry = Registry.build(settings, environ=api_environ(fake_api))
    registry.models["test-small-o"] = registry.models["test-small-o"].with_changes(rpm=5, tpm=None)
    limiter = RecordingLimiter(window_seconds=1.0)
    engine = Engine(settings, registry, limiter=limiter)
    items = read_items(write_jsonl(tmp_path / "in.jsonl", 15))
    runner = BatchRunner(
        engine,
        Request("", strategy="single", model="test-small-o", use_cache=False),
        concurrency=10,
        max_cost=None,
    )
    progress = await runner.run(items, tmp_path / "out.jsonl")
    await engine.aclose()
    assert progress.done == 15 and fake_api.rejected == 0
    admitted = limiter.admitted  # paced, not bursting: no 6 calls within one second
    assert len(admitted) == 15
    pairs = zip(admitted, admitted[5:], strict=False)
    assert all(later - earlier >= 1.0 - 1e-6 for earlier, later in pairs)
