"""A file orch must write (`ask -o`, `batch -o`, `export --output`) that cannot be written is
one line on stderr, exit 2, before anything is asked or paid for."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import api_environ, write_config
from .test_cli import assert_one_line_error, orch


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def unwritable(tmp_path) -> Path:
    """A new file in a directory nobody may write to (root ignores modes: /sys then)."""
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        return locked / "out.txt"
    if not os.access("/sys", os.F_OK):
        pytest.skip("running as root without /sys: no directory root cannot write to")
    return Path("/sys/orch-test-out.txt")


def bad_output(kind: str, tmp_path) -> tuple[Path, str]:
    if kind == "missing directory":
        return tmp_path / "no-such-dir" / "out.txt", "does not exist"
    if kind == "directory":
        return tmp_path, "is a directory"
    return unwritable(tmp_path), "cannot be written"


def command(name: str, tmp_path, out: Path) -> list[str]:
    if name == "ask":
        return ["ask", "-m", "test-small-o", "-o", str(out), "What is 2 + 2?"]
    if name == "batch":
        source = tmp_path / "in.jsonl"
        source.write_text(json.dumps({"id": 1, "prompt": "What is 2 + 2?"}) + "\n")
        return ["batch", str(source), "-o", str(out), "-m", "test-small-o", "--quiet"]
    return ["export", "--output", str(out)]


@pytest.mark.parametrize("kind", ["missing directory", "directory", "not writable"])
@pytest.mark.parametrize("name", ["ask", "batch", "export"])
def test_an_output_that_cannot_be_written_is_refused_before_any_call(
    home, tmp_path, fake_api, name, kind
):
    out, needle = bad_output(kind, tmp_path)
    proc = orch(*command(name, tmp_path, out), home=home, env_extra=api_environ(fake_api))
    assert_one_line_error(proc, str(out), needle)
    assert proc.returncode == 2 and not fake_api.requests
    if name == "ask":
        history = orch("history", "--json", home=home)
        assert json.loads(history.stdout or "[]") == []  # nothing was paid for


def test_ask_output_to_a_writable_file_still_works(home, tmp_path, fake_api):
    out = tmp_path / "answer.txt"
    out.write_text("old answer\n")
    proc = orch(
        "ask",
        "-m",
        "test-small-o",
        "-o",
        str(out),
        "Capital of France?",
        home=home,
        env_extra=api_environ(fake_api),
    )
    assert proc.returncode == 0, proc.stderr
    assert "Paris" in out.read_text() and "old answer" not in out.read_text()
