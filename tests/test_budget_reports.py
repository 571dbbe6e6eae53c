"""What `orch report` says: a category's own totals, and an empty period's chart."""

from __future__ import annotations

import re
import sqlite3

import pytest

from orchestrator_tui.cli.format import cost_text

from .test_cli import orch

NEGATIVE_AXIS = re.compile(r"^\s*-\d[\d.]*┤", re.MULTILINE)


@pytest.fixture
def home(isolated_home):
    isolated_home.mkdir(parents=True)
    (isolated_home / "config.toml").write_text("demo_speed = 0\n")
    return isolated_home


def query(home, sql, *values):
    db = sqlite3.connect(home / "orch.db")
    try:
        return db.execute(sql, values).fetchone()
    finally:
        db.close()


def test_report_totals_are_the_category_s_own(home):
    for category, model, prompt in (("a", "gpt-6-luna", "What is 2+2?"),
                                    ("a", "gpt-6-luna", "What is 3+3?"),
                                    ("b", "claude-haiku-5-5", "What is 4+4?")):
        orch("ask", "-m", model, "--category", category, prompt, home=home)
    count, cost = query(home, "SELECT COUNT(*), SUM(cost) FROM requests WHERE category = 'b'")
    proc = orch("report", "--category", "b", home=home)
    assert proc.returncode == 0, proc.stderr
    totals = next(line for line in proc.stdout.splitlines() if "requests, $" in line)
    assert "category b" in totals and f" {count:,} requests, {cost_text(cost)}," in totals
    assert "claude-haiku-5-5" in proc.stdout and "gpt-6-luna" not in proc.stdout


@pytest.mark.parametrize("args, with_history", [
    (["report"], False), (["report", "--period", "daily"], False),
    (["report", "--category", "none-yet"], True)])
def test_an_empty_period_draws_no_negative_axis(home, args, with_history):
    if with_history:
        orch("ask", "--category", "a", "What is 2+2?", home=home)
    proc = orch(*args, home=home)
    assert proc.returncode == 0, proc.stderr
    assert "┤" in proc.stdout and not NEGATIVE_AXIS.search(proc.stdout)
