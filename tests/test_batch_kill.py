"""Fault injection: `orch batch` killed with SIGKILL at 20 random moments, resumed each time,
answers every id exactly once and never loses or damages a line of OUT.

Each kill waits for an observable event, OUT having grown by k lines (k random), not for a
random time. The fake server fails some prompts (400), so failed records are superseded by
later successes. OUT starts with foreign lines (a comment, another tool's JSON, a blank line),
and once a record cut short by a crash is added by hand, to check the documented handling: the
partial last line stays as it is, on its own line, and its id is asked again.
"""

from __future__ import annotations

import json
import random
import subprocess
from collections import defaultdict

import pytest

from .conftest import write_config
from .fake_server import Reply
from .test_cli import start_orch

SEED = 20_26
PROMPTS = 200
KILLS = 20
SEEDED = (
    b"# orch batch output, reviewed by hand\n"
    + json.dumps({"tool": "grader", "id": "p3", "grade": "A"}).encode()
    + b"\n\n"
)
CUT = b'{"id": "p199", "request_hash": "sha256:0f", "response": "The capital of Fr'


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def start_batch(home, fake_api, source, out, log):
    batch = ["batch", str(source), "-o", str(out), "-m", "test-small-o", "--concurrency", "4"]
    return start_orch(
        *batch,
        "--quiet",
        "--no-cache",
        "--no-log",
        home=home,
        fake_api=fake_api,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


def kill_at_request(process, fake_api, count: int) -> None:
    """SIGKILL the batch as the server receives its `count`-th request in all: answers are
    then being written, others are in flight."""
    fake_api.wait_for_requests(count)
    process.kill()
    process.wait(timeout=30)


def partial_tail(out) -> bytes:
    """What follows the last newline: a line a kill cut short, if any."""
    return out.read_bytes().rpartition(b"\n")[2]


def check_output(data: bytes, partials: list[bytes]) -> dict[str, list[dict]]:
    """Every line after the seeded ones is a whole record or a known partial line; returns
    the records by id."""
    assert data.startswith(SEEDED) and data.endswith(b"\n")
    by_id: dict[str, list[dict]] = defaultdict(list)
    leftovers = []
    for line in data[len(SEEDED) :].split(b"\n")[:-1]:
        try:
            record = json.loads(line)
            by_id[record["id"]].append(record)
        except ValueError:
            leftovers.append(line)
    assert sorted(leftovers) == sorted(partials)  # each kept as it is, on its own line
    return by_id


def test_sigkill_at_random_moments_loses_and_damages_nothing(home, tmp_path, fake_api):
    rng = random.Random(SEED)
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "prompt": f"What is {i} + 1?"}) + "\n"
            for i in range(PROMPTS)
        )
    )
    out = tmp_path / "out.jsonl"
    out.write_bytes(SEEDED)
    fake_api.default = Reply(delay_before_headers=0.01)
    fake_api.script(
        *[
            Reply(status=400, error_type="invalid_request_error")
            if i % 23 == 5
            else fake_api.default
            for i in range(PROMPTS)
        ]
    )
    partials: list[bytes] = []
    with (tmp_path / "stderr.log").open("wb") as log:
        for kill in range(KILLS):
            # every run asks for prompts not yet answered: at most 20 × 8 < 200 requests here
            at = len(fake_api.requests) + rng.randint(1, 8)
            kill_at_request(start_batch(home, fake_api, source, out, log), fake_api, at)
            if partial_tail(out):
                partials.append(partial_tail(out))  # a write cut by the kill
            elif kill == KILLS // 2:
                with out.open("ab") as handle:
                    handle.write(CUT)  # as a crash in the middle of a write would leave it
                partials.append(CUT)
        for _ in range(3):  # the last prompts may meet a scripted failure: resume again
            final = start_batch(home, fake_api, source, out, log)
            if final.wait(timeout=120) == 0:
                break
    assert final.returncode == 0, (tmp_path / "stderr.log").read_text()
    by_id = check_output(out.read_bytes(), partials)
    assert set(by_id) == {f"p{i}" for i in range(PROMPTS)}
    superseded = 0
    for records in by_id.values():
        assert records[-1]["success"] and [r["success"] for r in records].count(True) == 1
        superseded += len(records) - 1
    assert superseded >= 1  # some failures were written, then answered by a rerun
