"""The TUI's figures, driven with Pilot on the demo provider: the dashboard counts what
`orch stats` counts, its sparkline follows every request, cache hits and demo money are shown
as such, and the budget gauge is real money."""

from __future__ import annotations

import time

import pytest

from orchestrator_tui.config import BudgetSettings
from orchestrator_tui.frontend import history_db
from orchestrator_tui.store.history import get_request, list_requests, stats
from orchestrator_tui.tui.figures import dashboard_summary
from orchestrator_tui.tui.readiness import NO_ROUTER
from orchestrator_tui.tui.widgets.pane import ModelPane

from .registry_settings import write_config
from .test_cli import assert_one_line_error, orch
from .tui_helpers import (
    SIZE,
    GatedDemo,
    make_app,
    send,
    settle,
    streaming,
    use_strategy,
    wait_until,
)

ENSEMBLE = {"test-small-a", "test-small-o", "test-medium-o"}


def shown_text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def notified(app, text: str) -> bool:
    return any(text in n.message for n in app._notifications)


async def cancel_midway(pilot, prompt: str = "What is the capital of France?") -> None:
    """Send `prompt` to the ensemble, held mid-answer, and cancel it with Escape."""
    app = pilot.app
    app.engine._providers["demo"] = GatedDemo(held=ENSEMBLE)
    await send(pilot, prompt, wait=False)
    await wait_until(pilot, lambda: streaming(app, "test-small-a"), what="a pane streaming")
    await pilot.press("escape")
    await settle(pilot)


async def test_the_dashboard_counts_a_cancelled_request_as_orch_stats_does(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await cancel_midway(pilot)
        counted = stats(app.db)["demo"]
        assert counted["requests"] == 1 and counted["cost"] > 0  # the cancelled calls' input
        assert app.session.requests == 1
        assert app.session.figures.demo_cost == pytest.approx(counted["cost"])
        assert shown_text(app, "#totals").startswith("1 request\n")


async def test_the_sparkline_follows_every_request_from_zero(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        drawn = []
        for model in ("test-medium-o", "test-small-a"):  # the second costs about a tenth
            app.target = f"model:{model}"
            await send(pilot, "What is the capital of France?")
            drawn.append(shown_text(app, "#costs").split("\n"))
        first, second = drawn
        assert [row.strip() for row in first] == ["█", "█", "█"]  # one column, at the top
        assert second[0] == "█ " and second[1] == "█ "  # the second column: low…
        assert second[2][0] == "█" and second[2][1] in "▁▂▃▄▅▆▇"  # …but drawn


async def test_cache_hits_are_counted_and_leave_the_average_latency_alone(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        app.target = "model:test-small-a"
        for _ in range(2):
            await pilot.press("ctrl+n")  # the same prompt, no conversation: the same key
            await send(pilot, "What is 2 + 2?")
        first, again = sorted(list_requests(app.db), key=lambda r: r["id"])
        assert (first["cached"], again["cached"]) == (False, True)
        assert shown_text(app, "#totals").startswith("2 requests · 1 cache hit\n")
        [model] = app.session.figures.models
        assert (model.calls, model.cache_hits) == (2, 1)
        latency = get_request(app.db, first["id"])["attempts"][0]["latency"]
        assert model.average_latency == pytest.approx(latency) and latency > 0


async def test_demo_money_apart_and_the_budget_gauge_on_real_money(tmp_path):
    app = make_app(tmp_path, budget=BudgetSettings(daily=0.01))
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is the capital of France?")
        demo = app.session.figures.demo_cost
        assert demo > 0 and app.screen.query_one("#budget").progress == 0
        assert f"$0.000000 real · ${demo:.6f} demo" in shown_text(app, "#totals")
        assert "demo, kept apart" in shown_text(app, "#budget-text")
        app.db.execute(  # a real call today, from another terminal
            "INSERT INTO attempts (request_id, attempt_no, timestamp, model, status, cost, demo)"
            " VALUES (0, 1, ?, 'test-large-a', 'ok', 0.004, 0)",
            (time.time(),),
        )
        app.screen.refresh_dashboard()
        assert app.screen.query_one("#budget").progress == pytest.approx(0.004)
        assert shown_text(app, "#budget-text").startswith("$0.004000 of $0.01 (40%)")
        assert dashboard_summary(app.session, app.daily_budget()) == (
            f"$0.000000 real · ${demo:.6f} demo · 1 request · 40% of daily budget"
        )


async def test_learned_without_a_router_warns_when_chosen_and_fails_as_an_error(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "learned")
        assert notified(app, NO_ROUTER)
        await send(pilot, "What is 2 + 2?")
        [row] = list_requests(app.db)
        record = get_request(app.db, row["id"])
        assert record["status"] == "failed" and "no trained router" in record["error"]
        assert app.session.requests == 1 and notified(app, "no trained router")
        await use_strategy(pilot, "single")
        assert sum(NO_ROUTER in n.message for n in app._notifications) == 1  # single is ready


def test_orch_ask_learned_without_a_router_fails_in_one_line_recorded_as_an_error(
    isolated_home,
):
    write_config(isolated_home, "demo_speed = 0\n")
    proc = orch("ask", "-s", "learned", "What is 2 + 2?", home=isolated_home)
    assert_one_line_error(proc, "no trained router")
    with history_db() as db:
        [row] = list_requests(db)
        assert row["status"] == "failed"
        assert "no trained router" in get_request(db, row["id"])["error"]


async def test_no_pane_reads_consensus_high_for_a_single_answer(tmp_path):
    app = make_app(tmp_path, ensemble_size=1)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is the capital of France?")
        [pane] = list(app.screen.query(ModelPane))
        assert "★ winner" in pane.note and "no consensus" in pane.note
        assert "high" not in pane.note and "conf 0." in shown_text(app, ".pane-header")
