"""The TUI's state file (tui/saved_state.py): read back as written, defaults for anything
unreadable, and never a file replaced that orch did not write."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from orchestrator_tui.tui.saved_state import (
    MARKER,
    RECALL_LIMIT,
    TuiState,
    load_state,
    save_state,
    state_path,
)

from .store_helpers import unwritable


@pytest.fixture
def path(tmp_path):
    return tmp_path / "conf" / "tui-state.json"


def test_round_trip_with_mode_0600(path):
    state = TuiState(
        theme="nord",
        strategy="fallback",
        target="chain:test-mixed",
        prompts=["first", "second\nline", "ünïcode ✓"],
        draft="half-typed",
    )
    assert save_state(path, state) is None
    assert load_state(path) == state
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_recall_keeps_the_newest_200(path):
    prompts = [f"prompt {i}" for i in range(RECALL_LIMIT + 50)]
    save_state(path, TuiState(prompts=prompts))
    assert load_state(path).prompts == prompts[-RECALL_LIMIT:]
    data = json.loads(path.read_text())
    data["prompts"] = prompts  # a longer list in the file is cut when read, too
    path.write_text(json.dumps(data))
    assert len(load_state(path).prompts) == RECALL_LIMIT


@pytest.mark.parametrize(
    "content",
    [
        None,  # no file
        b"{not json",
        b"\xff\xfe garbage",
        b"[1, 2]",
        json.dumps({MARKER: 1, "theme": 3, "prompts": "x", "draft": None}).encode(),
    ],
)
def test_unreadable_gives_defaults(path, content):
    if content is not None:
        path.parent.mkdir()
        path.write_bytes(content)
    assert load_state(path) == TuiState()


def test_wrong_fields_are_dropped_one_by_one(path):
    path.parent.mkdir()
    path.write_text(json.dumps({MARKER: 1, "theme": "nord", "prompts": ["a", 2, None, "b"]}))
    assert load_state(path) == TuiState(theme="nord", prompts=["a", "b"])


def test_a_directory_in_the_way_is_neither_read_nor_written(path):
    path.mkdir(parents=True)
    assert load_state(path) == TuiState()
    assert "not an orch state file" in (save_state(path, TuiState()) or "")
    assert path.is_dir()


@pytest.mark.parametrize("foreign", [b"{not json", b'{"theme": "mine"}', b"notes\n"])
def test_a_file_orch_did_not_write_is_left_as_it_is(path, foreign):
    path.parent.mkdir()
    path.write_bytes(foreign)
    reason = save_state(path, TuiState(theme="nord"))
    assert reason is not None and "not an orch state file" in reason
    assert path.read_bytes() == foreign


def test_its_own_file_is_replaced(path):
    save_state(path, TuiState(theme="nord", draft="one"))
    save_state(path, TuiState(theme="dracula"))
    assert load_state(path) == TuiState(theme="dracula")


def test_an_unwritable_directory_is_a_reason_not_an_exception(path):
    path.parent.mkdir()
    with unwritable(path.parent):
        reason = save_state(path, TuiState(theme="nord"))
    assert reason is not None and "cannot be written" in reason
    assert not path.exists()


def test_beside_the_config(tmp_path, monkeypatch):
    monkeypatch.setenv("ORCH_HOME", str(tmp_path / "home"))
    assert state_path() == tmp_path / "home" / "tui-state.json"
    assert state_path(tmp_path / "x" / "my.toml") == tmp_path / "x" / "tui-state.json"


def test_importing_it_imports_no_textual():
    script = (
        "import sys, orchestrator_tui.tui.saved_state; "
        "sys.exit('textual' in sys.modules or 'pydantic' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", script], timeout=60).returncode == 0
