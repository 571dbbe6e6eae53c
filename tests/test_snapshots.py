"""Snapshot tests of the TUI's screens (pytest-textual-snapshot), deterministic: demo
provider, a fixed clock, fixed timestamps. Update with `pytest --snapshot-update` after a
deliberate change, look at the SVGs, and regenerate screenshots/ (tools/screenshots.py)."""

from __future__ import annotations

import pytest

from .tui_helpers import SCENARIOS, SIZE, make_app


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_screen(snap_compare, tmp_path, name):
    assert snap_compare(make_app(tmp_path), terminal_size=SIZE, run_before=SCENARIOS[name])
