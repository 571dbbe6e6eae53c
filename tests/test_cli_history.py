"""The history, report, budget and cache commands, as a user runs them."""

from __future__ import annotations

import csv
import json
import os
import pty
import select
import signal
import subprocess
import time

import pytest

from .conftest import write_config
from .fake_server import Gate, Reply
from .test_cli import assert_one_line_error, orch, start_orch


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


@pytest.fixture
def filled(home):
    for args in (
        ["-s", "cheapest", "--category", "work", "Design a cache"],
        ["-s", "fallback", "--tag", "x", "What is 2+2?"],
        ["-s", "ensemble", "-e", "2", "What is the capital of France?"],
    ):
        proc = orch("ask", *args, home=home)
        assert proc.returncode == 0, proc.stderr
    return home


def test_history_json_lists_newest_first(filled):
    records = json.loads(orch("history", "--json", home=filled).stdout)
    assert [r["strategy"] for r in records] == ["ensemble", "fallback", "cheapest"]
    for record in records:
        assert {
            "id",
            "timestamp",
            "strategy",
            "model_used",
            "cost",
            "input_tokens",
            "output_tokens",
            "latency",
        } <= set(record)
        assert record["demo"] is True
    assert len(json.loads(orch("history", "--json", "-n", "1", home=filled).stdout)) == 1
    work = json.loads(orch("history", "--json", "--category", "work", home=filled).stdout)
    assert [r["category"] for r in work] == ["work"]


def test_history_show_has_every_attempt(filled):
    first = json.loads(orch("history", "--json", home=filled).stdout)[0]
    detail = json.loads(orch("history", "show", str(first["id"]), "--json", home=filled).stdout)
    assert len(detail["attempts"]) == 2 and detail["response"]
    text = orch("history", "show", str(first["id"]), home=filled)
    assert text.returncode == 0 and "★" in text.stdout
    assert_one_line_error(orch("history", "show", "999", home=filled), "no request with id 999")


def test_history_table(filled):
    proc = orch("history", home=filled)
    assert proc.returncode == 0 and "Design a cache" in proc.stdout and "demo" in proc.stdout


def test_history_shows_and_filters_conversations(filled):
    """Each `orch ask` starts its own conversation; a follow-up joins it, and the history
    shows the short id, filters on it and shows the whole id of one request."""
    assert orch("ask", "--continue", "And why?", home=filled).returncode == 0
    records = json.loads(orch("history", "--json", home=filled).stdout)
    ids = [r["conversation_id"] for r in records]
    assert ids[0] == ids[1] and len(set(ids)) == 3  # the follow-up joined the ensemble's
    table = orch("history", home=filled).stdout.splitlines()
    assert table[0].split()[:3] == ["id", "when", "conv."]
    assert [line.split()[3] for line in table[1:]] == [i[:8] for i in ids]
    mine = json.loads(orch("history", "--json", "--cid", ids[0][:8], home=filled).stdout)
    assert [r["id"] for r in mine] == [r["id"] for r in records[:2]]
    shown = orch("history", "show", str(records[0]["id"]), home=filled).stdout
    assert f"conversation  {ids[0]}" in shown
    assert_one_line_error(orch("history", "--cid", "zz", home=filled), "no conversation 'zz'")


def test_stats_json_and_text(filled):
    data = json.loads(orch("stats", "--json", home=filled).stdout)
    assert data["demo"]["requests"] == 3 and data["real"]["requests"] == 0
    assert {r["strategy"] for r in data["demo"]["by_strategy"]} == {
        "cheapest",
        "fallback",
        "ensemble",
    }
    text = orch("stats", "--period", "daily", home=filled)
    assert text.returncode == 0 and "demo provider" in text.stdout and "savings" in text.stdout
    assert_one_line_error(orch("stats", "--period", "hourly", home=filled), "unknown period")


def test_report_draws_a_chart(filled):
    proc = orch("report", "--period", "weekly", "--category", "work", home=filled)
    assert proc.returncode == 0, proc.stderr
    assert "cost per day" in proc.stdout and "category work" in proc.stdout


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_export_formats(filled, tmp_path, fmt):
    out = tmp_path / f"history.{fmt}"
    proc = orch("export", "--format", fmt, "--output", str(out), home=filled)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    if fmt == "csv":
        rows = list(csv.DictReader(text.splitlines()))
    elif fmt == "json":
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) == 3
    if fmt != "csv":
        assert all("attempts" in row for row in rows)


def test_budget_set_status_refusal_and_clear(home):
    orch("ask", "--no-cache", "What is 2+2?", home=home)
    proc = orch("budget", "set", "--daily", "0.00001", home=home)
    assert proc.returncode == 0 and "daily" in proc.stdout
    status = json.loads(orch("budget", "--json", home=home).stdout)
    assert {s["period"] for s in status} == {"daily"}
    refused = orch("ask", "--no-cache", "-m", "test-large-a", "Prove it", home=home)
    assert_one_line_error(refused, "daily budget", "left", "could cost")
    assert orch("budget", "clear", home=home).returncode == 0
    assert orch("ask", "--no-cache", "-m", "test-large-a", "Prove it", home=home).returncode == 0


def test_budget_warning_at_80_percent(home):
    write_config(home, "demo_speed = 0\n[budget]\ndaily = 0.01\n")
    warned = False
    for _ in range(6):  # about $0.0017 a call: 80% is passed on the fifth
        proc = orch(
            "ask",
            "--no-cache",
            "-m",
            "test-large-a",
            "--max-tokens",
            "100",
            "Design a cache",
            home=home,
        )
        if "of the daily budget" in proc.stderr:
            warned = True
            break
    assert warned


def test_cache_commands(home):
    orch("ask", "What is 2+2?", home=home)
    second = json.loads(orch("ask", "--json", "What is 2+2?", home=home).stdout)
    assert second["cached"] is True and second["cost"] == 0
    stats = json.loads(orch("cache", "stats", "--json", home=home).stdout)
    assert stats["entries"] >= 1 and stats["hits"] == 1
    assert "removed" in orch("cache", "clear", home=home).stdout
    assert json.loads(orch("cache", "stats", "--json", home=home).stdout)["entries"] == 0


def test_no_cache_flag(home):
    orch("ask", "What is 2+2?", home=home)
    again = json.loads(orch("ask", "--json", "--no-cache", "What is 2+2?", home=home).stdout)
    assert again["cached"] is False


def test_corrupted_history_is_one_line(home):
    (home / "orch.db").write_bytes(b"garbage" * 500)
    assert_one_line_error(orch("history", home=home), "orch.db", "move it aside")


def read_until(fd: int, needle: bytes, timeout: float = 30.0) -> bytes:
    """Read `fd` until `needle` has come (a failed assertion after `timeout` seconds)."""
    seen, deadline = b"", time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{needle!r} never came; got {seen!r}"
        if select.select([fd], [], [], left)[0]:
            seen += os.read(fd, 4096)
    return seen


def test_ctrl_c_during_ask_records_the_partial_call(home, fake_api):
    fake_api.script(Reply(gate=Gate(after=3)))  # three chunks, then held until the test ends
    terminal, stdout = pty.openpty()  # on a terminal, `orch ask` streams the answer as it comes
    process = start_orch(
        "ask",
        "-m",
        "test-large-a",
        "Design a distributed cache",
        home=home,
        fake_api=fake_api,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(stdout)
    try:
        read_until(terminal, b"The capital of")  # the three chunks reached the screen
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        os.close(terminal)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and "cancelled" in err and "Traceback" not in err
    record = json.loads(orch("history", "show", "1", "--json", home=home).stdout)
    assert record["status"] == "cancelled"
    [attempt] = record["attempts"]
    assert attempt["status"] == "cancelled" and attempt["output_tokens"] > 0
    assert attempt["cost"] > 0 and record["cost"] == attempt["cost"]
