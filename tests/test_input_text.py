"""The user's text reaches the model exactly as written: CSV through the csv module (quoted
prompts may span lines), a BOM tolerated, JSONL split on "\\n" only; invalid UTF-8 is one line
naming where it is; a NUL byte is sent as it is and shown escaped by `orch history`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import api_environ, write_config
from .test_cli import assert_one_line_error, orch


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def sent_prompts(fake_api) -> list[str]:
    return [r["body"]["messages"][-1]["content"] for r in fake_api.requests]


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
        *extra,
        home=home,
        env_extra=api_environ(fake_api),
    )


def orch_bytes(*args, home, stdin: bytes, env_extra=None):
    """`orch` with bytes on stdin (the helper in test_cli sends text)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    env.update({"ORCH_HOME": str(home)}, **(env_extra or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "orchestrator_tui", *args],
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode(errors="replace"),
        proc.stderr.decode(errors="replace"),
    )


def test_csv_prompts_spanning_lines_are_sent_exactly(home, tmp_path, fake_api):
    fields = [
        "Line one\r\nline two",
        "Tab\u2028separated\u2029paragraphs",
        "Next\x85line",
        'A "quoted" word, and a comma',
    ]
    rows = "".join(
        f'{i},"{text.replace(chr(34), chr(34) * 2)}"\r\n' for i, text in enumerate(fields)
    )
    source = tmp_path / "in.csv"
    source.write_bytes(("\ufeffid,prompt\r\n" + rows).encode())  # as Excel saves it
    proc = batch(home, fake_api, source, tmp_path / "out.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert sorted(sent_prompts(fake_api)) == sorted(fields)


def test_a_bom_before_jsonl_is_fine(home, tmp_path, fake_api):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps({"id": 1, "prompt": "Hi?"}).encode() + b"\n")
    proc = batch(home, fake_api, source, tmp_path / "out.jsonl")
    assert proc.returncode == 0, proc.stderr
    assert sent_prompts(fake_api) == ["Hi?"]


@pytest.mark.parametrize("ensure_ascii", [False, True], ids=["raw", "escaped"])
def test_line_separators_inside_json_strings_are_text_not_line_ends(
    home, tmp_path, fake_api, ensure_ascii
):
    items = [
        {"id": "a\u2028b", "prompt": "First\u2029second"},
        {"id": "c\x85d", "prompt": "Third\u2028fourth"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps(i, ensure_ascii=ensure_ascii) + "\n" for i in items), encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    proc = batch(home, fake_api, source, out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(sent_prompts(fake_api)) == sorted(i["prompt"] for i in items)
    again = batch(home, fake_api, source, out, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["already_done"] == 2 and len(fake_api.requests) == 2


INVALID = b"caf\xe9"  # Latin-1, not UTF-8


@pytest.mark.parametrize(
    "args, needle",
    [
        (["ask", INVALID], "the prompt"),
        (["ask", "-p", INVALID], "the prompt"),
        (["ask", "--category", INVALID, "hi"], "--category"),
        (["ask", "--tag", "ok", "--tag", INVALID, "hi"], "--tag"),
        (["ask", "--system", INVALID, "hi"], "--system"),
        (["batch", "IN", "-o", "OUT", "--system", INVALID], "--system"),
        (["batch", "IN", "-o", "OUT", "--category", INVALID], "--category"),
    ],
)
def test_invalid_utf8_on_the_command_line_is_one_line(home, tmp_path, fake_api, args, needle):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": 1, "prompt": "hi"}) + "\n")
    paths = {"IN": str(source), "OUT": str(tmp_path / "out.jsonl")}
    args = [paths.get(a, a) if isinstance(a, str) else a for a in args]
    proc = orch(*args, "-m", "test-small-o", home=home, env_extra=api_environ(fake_api))
    assert_one_line_error(proc, needle, "not valid UTF-8", "0xe9")
    assert proc.returncode == 2 and not fake_api.requests


def test_invalid_utf8_on_stdin_is_one_line(home, fake_api):
    proc = orch_bytes(
        "ask",
        "-m",
        "test-small-o",
        "-",
        home=home,
        stdin=b"ok\n" + INVALID,
        env_extra=api_environ(fake_api),
    )
    assert_one_line_error(proc, "stdin:2", "not valid UTF-8", "0xe9")
    assert proc.returncode == 2 and not fake_api.requests


@pytest.mark.parametrize(
    "name, content, needle",
    [
        (
            "in.jsonl",
            b'{"id": 1, "prompt": "ok"}\n{"id": 2, "prompt": "' + INVALID + b'"}\n',
            "in.jsonl:2",
        ),
        ("in.csv", b"id,prompt\n1,ok\n2," + INVALID + b"\n", "in.csv:3"),
        ("in.jsonl", b'{"id": 1, "prompt": "lone \\udcff surrogate"}\n', "in.jsonl:1"),
    ],
)
def test_invalid_utf8_in_a_batch_file_names_file_and_line(
    home, tmp_path, fake_api, name, content, needle
):
    source = tmp_path / name
    source.write_bytes(content)
    proc = batch(home, fake_api, source, tmp_path / "out.jsonl")
    assert_one_line_error(proc, needle, "not valid UTF-8")
    assert proc.returncode == 2 and not fake_api.requests


def test_invalid_utf8_in_an_eval_file_names_file_and_line(home, tmp_path):
    good = {"id": "1", "prompt": "ok", "responses": {"m": {"text": "x", "score": 1, "cost": 0}}}
    source = tmp_path / "bench.jsonl"
    source.write_bytes(json.dumps(good).encode() + b"\n" + INVALID + b"\n")
    proc = orch("eval", str(source), "--no-learned", home=home)
    assert_one_line_error(proc, "bench.jsonl:2", "not valid UTF-8")
    assert proc.returncode == 2


def test_a_nul_byte_is_sent_as_is_and_shown_escaped_in_history(home, fake_api):
    prompt = "What is\x00 2 + 2?"
    proc = orch(
        "ask", "-m", "test-small-o", "-", home=home, stdin=prompt, env_extra=api_environ(fake_api)
    )
    assert proc.returncode == 0, proc.stderr
    assert sent_prompts(fake_api) == [prompt]
    table = orch("history", home=home).stdout
    assert "What is\\0 2 + 2?" in table and "\x00" not in table
    raw = orch("history", "--json", home=home).stdout
    assert "\\u0000" in raw and json.loads(raw)[0]["prompt"] == prompt
    shown = orch("history", "show", str(json.loads(raw)[0]["id"]), home=home).stdout
    assert "What is\\0 2 + 2?" in shown and "\x00" not in shown
