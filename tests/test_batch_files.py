"""What `orch batch` does with the user's files: it only appends to OUT, never touches a line
it did not write, refuses (before any call) an OUT it must not or cannot write, keeps ids as
typed, and asks again only what the user says to when a request changed."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import api_environ, write_config
from .fake_server import Reply
from .test_cli import assert_one_line_error, orch

FOREIGN = [
    "# answers for the March review, do not edit",
    json.dumps({"tool": "other", "id": "p0", "score": 3}),
    "",
]


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def write_items(path, items):
    path.write_text("".join(json.dumps(item) + "\n" for item in items))
    return path


def prompts(count):
    return [{"id": f"p{i}", "prompt": f"What is {i} + 1?"} for i in range(count)]


def records(path):
    """Orch's records in OUT, in order (foreign lines left out)."""
    found = []
    for line in path.read_text().split("\n"):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "status" in value and "success" in value:
            found.append(value)
    return found


def last_by_id(path):
    return {json.dumps(r["id"]): r for r in records(path)}


def batch(home, fake_api, source, out, *extra):
    return orch(
        "batch",
        str(source),
        "-o",
        str(out),
        "-m",
        "test-small-o",
        "--quiet",
        "--no-cache",
        "--concurrency",
        "1",
        *extra,
        home=home,
        env_extra=api_environ(fake_api),
    )


def test_a_rerun_appends_and_keeps_every_line_orch_did_not_write(home, tmp_path, fake_api):
    source = write_items(tmp_path / "in.jsonl", prompts(3))
    out = tmp_path / "out.jsonl"
    out.write_text("\n".join(FOREIGN) + "\n")
    fake_api.script(Reply(status=400, error_type="invalid_request_error"))
    assert batch(home, fake_api, source, out).returncode == 1
    first = out.read_bytes()
    assert first.startswith(("\n".join(FOREIGN) + "\n").encode())
    rerun = batch(home, fake_api, source, out)
    assert rerun.returncode == 0, rerun.stderr
    assert out.read_bytes().startswith(first)  # every earlier line, byte for byte
    failed = [r for r in records(out) if not r["success"]]
    assert len(failed) == 1  # kept, and superseded by the later success
    assert all(r["success"] for r in last_by_id(out).values())
    assert len(fake_api.requests) == 4


@pytest.mark.parametrize("spelling", ["same", "symlink", "hardlink", "relative"])
def test_output_naming_the_input_is_refused_before_any_call(
    home, tmp_path, fake_api, spelling, monkeypatch
):
    source = write_items(tmp_path / "in.jsonl", prompts(2))
    before = source.read_bytes()
    out = {
        "same": source,
        "symlink": tmp_path / "link.jsonl",
        "hardlink": tmp_path / "hard.jsonl",
        "relative": tmp_path / "sub" / ".." / "in.jsonl",
    }
    out = out[spelling]
    if spelling == "symlink":
        out.symlink_to(source)
    elif spelling == "hardlink":
        os.link(source, out)
    elif spelling == "relative":
        (tmp_path / "sub").mkdir()
    proc = batch(home, fake_api, source, out)
    assert_one_line_error(proc, "is the input file itself")
    assert proc.returncode == 2 and source.read_bytes() == before and not fake_api.requests


def test_a_partial_last_line_stays_and_the_next_record_starts_on_its_own_line(
    home, tmp_path, fake_api
):
    source = write_items(tmp_path / "in.jsonl", prompts(3))
    out = tmp_path / "out.jsonl"
    assert (
        batch(home, fake_api, write_items(tmp_path / "one.jsonl", prompts(1)), out).returncode == 0
    )
    partial = '{"id": "p1", "request_hash": "sha256:00", "response": "The capi'
    with out.open("a") as handle:
        handle.write(partial)  # what a crash in the middle of a write would leave
    proc = batch(home, fake_api, source, out)
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text().split("\n")
    assert lines[1] == partial and lines[-1] == ""  # kept as it is, and ended
    assert [json.loads(line)["id"] for line in lines[2:-1]] == ["p1", "p2"]
    assert len(fake_api.requests) == 3


def test_ids_keep_their_json_type_and_match_by_it(home, tmp_path, fake_api):
    source = write_items(
        tmp_path / "in.jsonl",
        [
            {"id": 5000, "prompt": "What is 1 + 1?"},
            {"id": "5000", "prompt": "What is 2 + 2?"},
            {"id": 2.5, "prompt": "What is 3 + 3?"},
        ],
    )
    out = tmp_path / "out.jsonl"
    proc = batch(home, fake_api, source, out)
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in records(out)] == [5000, "5000", 2.5]
    again = batch(home, fake_api, source, out, "--json")
    assert json.loads(again.stdout)["already_done"] == 3 and len(fake_api.requests) == 3


def test_records_written_before_hashes_count_as_unchanged(home, tmp_path, fake_api):
    source = write_items(
        tmp_path / "in.jsonl",
        [{"id": 5000, "prompt": "What is 1 + 1?"}, {"id": "a", "prompt": "What is 2 + 2?"}],
    )
    out = tmp_path / "out.jsonl"
    old = [
        {"id": "5000", "response": "2", "success": True, "status": "ok"},
        {"id": "a", "response": "4", "success": True, "status": "ok"},
    ]
    write_items(out, old)  # an older orch: no request_hash, ids as strings
    proc = batch(home, fake_api, source, out, "--system", "Be brief.", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["already_done"] == 2 and not fake_api.requests


def test_a_changed_request_under_an_old_id_stops_before_any_call(home, tmp_path, fake_api):
    items = prompts(3)
    source = write_items(tmp_path / "in.jsonl", items)
    out = tmp_path / "out.jsonl"
    assert batch(home, fake_api, source, out).returncode == 0
    answered = out.read_bytes()
    items[1]["prompt"] = "What is the capital of Peru?"
    write_items(source, items)
    refused = batch(home, fake_api, source, out)
    assert_one_line_error(refused, "1 id(s)", '"p1"', "--rerun-changed", "--skip-changed")
    assert refused.returncode == 2 and out.read_bytes() == answered
    assert len(fake_api.requests) == 3
    kept = batch(home, fake_api, source, out, "--skip-changed", "--json")
    assert kept.returncode == 0 and json.loads(kept.stdout)["changed"] == 1
    assert out.read_bytes() == answered and len(fake_api.requests) == 3
    rerun = batch(home, fake_api, source, out, "--rerun-changed")
    assert rerun.returncode == 0 and len(fake_api.requests) == 4
    assert fake_api.requests[-1]["body"]["messages"][-1]["content"] == items[1]["prompt"]
    assert last_by_id(out)['"p1"']["request_hash"] != records(out)[1]["request_hash"]
    assert batch(home, fake_api, source, out).returncode == 0  # the new answer is current
    assert len(fake_api.requests) == 4


@pytest.mark.parametrize(
    "options, changed",
    [
        (["--max-tokens", "50"], 3),
        (["--temperature", "0.3"], 3),
        (["--system", "Terse."], 3),
        (["--category", "maths"], 0),
    ],
)
def test_options_that_change_the_answer_change_the_hash(home, tmp_path, fake_api, options, changed):
    source = write_items(tmp_path / "in.jsonl", prompts(3))
    out = tmp_path / "out.jsonl"
    assert batch(home, fake_api, source, out).returncode == 0
    proc = batch(home, fake_api, source, out, *options)
    if changed:
        assert_one_line_error(proc, f"{changed} id(s)")
    else:
        assert proc.returncode == 0, proc.stderr
    assert len(fake_api.requests) == 3


def test_compact_keeps_foreign_lines_in_place_and_the_last_record_per_id(home, tmp_path, fake_api):
    source = write_items(tmp_path / "in.jsonl", prompts(3))
    out = tmp_path / "out.jsonl"
    out.write_text(FOREIGN[0] + "\n")
    fake_api.script(Reply(status=400, error_type="invalid_request_error"))
    assert batch(home, fake_api, source, out).returncode == 1
    with out.open("a") as handle:
        handle.write("\n".join(FOREIGN[1:]) + "\n")
    assert batch(home, fake_api, source, out).returncode == 0
    lines_before = out.read_text().split("\n")
    superseded = next(line for line in lines_before if '"success": false' in line)
    proc = batch(home, fake_api, source, out, "--compact")
    assert proc.returncode == 0, proc.stderr
    assert out.read_text().split("\n") == [line for line in lines_before if line != superseded]
    kept = records(out)
    assert len(kept) == 3 and all(r["success"] for r in kept)
    assert sorted(r["id"] for r in kept) == ["p0", "p1", "p2"]
    assert len(fake_api.requests) == 4  # compacting asks nothing


def test_two_runs_never_write_the_same_output_at_once(tmp_path):
    from orchestrator_tui.batch.outputs import Appender, compact
    from orchestrator_tui.errors import UsageError

    out = tmp_path / "out.jsonl"
    with Appender(out) as first:
        first.write({"id": 1, "success": True, "status": "ok"})
        with pytest.raises(UsageError, match="another orch run is writing to it"):
            Appender(out).__enter__()
        with pytest.raises(UsageError, match="another orch run is writing to it"):
            compact(out)  # never replaced under a writer's feet
    assert compact(out) == 0 and out.read_text().count("\n") == 1
