"""What `orch report` and the budget messages say: a category's own totals, an empty period's
chart, and money spent told apart from money held by calls in flight."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time

import pytest

from orchestrator_tui.formatting import cost_text
from orchestrator_tui.store.periods import start_of_day

from .conftest import write_config
from .test_cli import orch, start_orch

NEGATIVE_AXIS = re.compile(r"^\s*-\d[\d.]*┤", re.MULTILINE)


@pytest.fixture
def home(isolated_home):
    write_config(isolated_home, "demo_speed = 0\n")
    return isolated_home


def query(home, sql, *values):
    db = sqlite3.connect(home / "orch.db")
    try:
        return db.execute(sql, values).fetchone()
    finally:
        db.close()


def test_report_totals_are_the_category_s_own(home):
    for category, model, prompt in (
        ("a", "test-small-o", "What is 2+2?"),
        ("a", "test-small-o", "What is 3+3?"),
        ("b", "test-small-a", "What is 4+4?"),
    ):
        orch("ask", "-m", model, "--category", category, prompt, home=home)
    count, cost = query(home, "SELECT COUNT(*), SUM(cost) FROM requests WHERE category = 'b'")
    proc = orch("report", "--category", "b", home=home)
    assert proc.returncode == 0, proc.stderr
    totals = next(line for line in proc.stdout.splitlines() if "requests, $" in line)
    assert "category b" in totals and f" {count:,} requests, {cost_text(cost)}," in totals
    assert "test-small-a" in proc.stdout and "test-small-o" not in proc.stdout


@pytest.mark.parametrize(
    "args, with_history",
    [
        (["report"], False),
        (["report", "--period", "daily"], False),
        (["report", "--category", "none-yet"], True),
    ],
)
def test_an_empty_period_draws_no_negative_axis(home, args, with_history):
    if with_history:
        orch("ask", "--category", "a", "What is 2+2?", home=home)
    proc = orch(*args, home=home)
    assert proc.returncode == 0, proc.stderr
    assert "┤" in proc.stdout and not NEGATIVE_AXIS.search(proc.stdout)


def start_slow_call(home, tmp_path):
    """An `orch ask` whose demo call takes minutes: it holds its budget reservation."""
    slow = tmp_path / "slow.toml"
    write_config(slow, "demo_speed = 1000\n")
    ask = ["ask", "-m", "test-large-a", "--max-tokens", "8000", "Write a long essay on budgets"]
    return start_orch(
        "--config",
        str(slow),
        *ask,
        home=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_reservation(home, process, timeout=60.0) -> float:
    """The amount held once the slow call's reservation row is there."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        row = query(home, "SELECT amount FROM reservations")
        if row is not None:
            return row[0]
        time.sleep(0.05)
    raise AssertionError("the slow call never reserved its budget")


def spent_today(home) -> float:
    return query(
        home, "SELECT SUM(cost) FROM attempts WHERE demo = 1 AND timestamp >= ?", start_of_day()
    )[0]


def test_budget_messages_tell_spent_from_held(home, tmp_path):
    orch("ask", "-m", "test-small-o", "What is the capital of France?", home=home)
    orch("budget", "set", "--daily", "1000", home=home)
    slow = start_slow_call(home, tmp_path)
    try:
        held, spent = wait_for_reservation(home, slow), spent_today(home)
        orch("budget", "set", "--daily", repr((spent + held) / 0.95), home=home)
        limit = query(home, "SELECT limit_usd FROM budgets WHERE period = 'daily'")[0]
        assert spent / limit < 0.8 <= (spent + held) / limit  # only what is held warns
        states = json.loads(orch("budget", "--json", home=home).stdout)
        daily = next(s for s in states if s["demo"] and s["period"] == "daily")
        assert daily["spent"] == pytest.approx(spent) and daily["held"] == pytest.approx(held)
        assert "held by calls in flight" in orch("budget", home=home).stdout
        proc = orch("ask", "-m", "test-small-o", "--max-tokens", "50", "What is 2+2?", home=home)
        assert proc.returncode == 0, proc.stderr
        spent = spent_today(home)
        assert (
            f"note: {spent / limit:.0%} of the daily budget" in proc.stderr
            and f"{held / limit:.0%} is held by calls in flight" in proc.stderr
        )
        assert "warning:" not in proc.stderr
    finally:
        slow.terminate()
        slow.wait(timeout=30)


def test_a_warning_is_for_money_spent_and_says_what_is_held():
    from orchestrator_tui.store.budgets import BudgetState, budget_notice

    spent = BudgetState("daily", 10.0, 9.0, "set", held=0.5)
    level, text = budget_notice(spent, warn_at=0.8)
    assert level == "warning" and text.startswith("90% of the daily budget")
    assert "5% is held by calls in flight" in text and "$0.50 left" in text
    assert budget_notice(BudgetState("daily", 10.0, 1.0, "set", held=1.0), 0.8) is None
