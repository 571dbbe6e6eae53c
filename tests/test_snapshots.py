"""Snapshot tests of the TUI's screens (pytest-textual-snapshot), deterministic: demo
provider, a fixed clock, fixed timestamps, no cursor blink. Update with
`pytest --snapshot-update` after a deliberate change, look at the SVGs, and regenerate
screenshots/ (tools/screenshots.py)."""

from __future__ import annotations

import re

import pytest

from .tui_helpers import SCENARIOS, SIZE, SIZED_SCENARIOS, make_app

REPEAT_ID = re.compile(r"-\d+-\d+\]$")  # what `pytest --count N` (pytest-repeat) adds


@pytest.fixture
def snapshot(snapshot, request):
    """One snapshot file per scenario, also when each test is repeated (`--count N`)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and "__pytest_repeat_step_number" in callspec.params:
        location = snapshot.test_location
        location.testname = REPEAT_ID.sub("]", location.testname)
    return snapshot


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_screen(snap_compare, tmp_path, name):
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=SCENARIOS[name])


@pytest.mark.parametrize("name", list(SIZED_SCENARIOS))
def test_sized_screen(snap_compare, tmp_path, name):
    scenario, columns, rows = SIZED_SCENARIOS[name]
    app = make_app(tmp_path)
    assert snap_compare(app, terminal_size=(columns, rows), run_before=SCENARIOS[scenario])
