"""What the front ends share (frontend.py): options read into a Request the same way by the
CLI, batch, the TUI and the Python API, and the budget lines they show."""

from __future__ import annotations

import pytest

import orchestrator_tui as orch
from orchestrator_tui.api import make_engine
from orchestrator_tui.frontend import budget_warnings, request_from_options
from orchestrator_tui.store.db import open_db


def test_a_model_without_a_strategy_means_single():
    assert request_from_options("hi", model="test-small-o").strategy == "single"
    assert (
        request_from_options("hi", model="test-small-o", strategy="ensemble").strategy == "ensemble"
    )
    assert request_from_options("hi").strategy is None  # the configured default


@pytest.mark.parametrize(
    "chain, models, spec",
    [("a, b", " a,b ,", "a, b"), (["a", " b"], ("a", "b"), "a,b"), ("fast", ["a", "b"], "fast")],
)
def test_chain_and_models_take_a_list_or_a_comma_string(chain, models, spec):
    request = request_from_options("hi", chain=chain, models=models)
    assert (request.chain, request.models) == (spec, ["a", "b"])  # the registry reads a spec


def test_other_fields_pass_through_and_tags_default_to_none():
    request = request_from_options("hi", max_cost=0.5, system="be brief", tags=None, log_text=False)
    assert (request.max_cost, request.system, request.tags, request.log_text) == (
        0.5,
        "be brief",
        [],
        False,
    )
    assert request_from_options("hi", models="").models is None


def test_the_python_api_reads_a_model_as_the_cli_does():
    engine = make_engine(demo=True, record=False)
    engine.settings.demo_speed = 0
    result = orch.run_orchestration("What is 2+2?", model="test-small-o", engine=engine)
    assert (result.strategy, result.model_used) == ("single", "test-small-o")


def test_budget_warnings_are_worded_with_the_one_money_format(isolated_home):
    db = open_db()
    engine = make_engine(demo=True, db=db)
    db.execute("INSERT INTO budgets (period, limit_usd) VALUES ('daily', 0.5)")
    assert budget_warnings(db, engine) == []
    engine.settings.budget.warn_at = 0.0
    [(level, text)] = budget_warnings(db, engine)
    assert level == "warning" and text == "0% of the daily budget ($0.5) is spent; $0.5 left"
