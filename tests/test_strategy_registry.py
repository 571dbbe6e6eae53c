"""One registry of strategies: a strategy registered here, and only here, is run by the
engine, accepted by the config, listed by `orch ask --help`, offered by the TUI's selector,
F4, command palette and help screen; and it is gone again once unregistered."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, Select
from typer.testing import CliRunner

from orchestrator_tui.engine import Engine, OrchestrationResult, Request, RoutingDecided
from orchestrator_tui.engine.call import call_model
from orchestrator_tui.engine.context import RunContext
from orchestrator_tui.engine.results import build_result, failure_summary
from orchestrator_tui.engine.status import AttemptStatus
from orchestrator_tui.engine.strategies import (
    StrategySpec,
    find_strategy,
    register_strategy,
    strategy_names,
    strategy_specs,
    unregister_strategy,
)
from orchestrator_tui.errors import ConfigError, UsageError
from orchestrator_tui.frontend import load_settings
from orchestrator_tui.tui.screens.help import HelpScreen

from .conftest import fast_settings
from .test_tui import highlighted
from .tui_helpers import SIZE, make_app, send, shown, use_strategy, wait_until


@dataclass(frozen=True)
class Toss:
    """What the toy strategy adds to its result."""

    model: str

    def to_metadata(self) -> dict[str, Any]:
        return {"toss": {"model": self.model}}


async def run_toy(ctx: RunContext) -> OrchestrationResult:
    """The last model of the chain, no questions asked."""
    chain = ctx.registry.chain(ctx.request.chain or ctx.settings.default_chain)
    model = ctx.usable_models(chain)[-1]
    ctx.candidates = [model]
    ctx.emit(RoutingDecided("toy", [model.name], ["the last model of the chain"]))
    attempt = await call_model(ctx, model)
    if attempt.status == AttemptStatus.OK:
        return build_result(ctx, attempt, Toss(model.name))
    return build_result(ctx, None, Toss(model.name), error=failure_summary([attempt]))


TOY = StrategySpec("toy", run_toy, "the last model of the chain, no questions asked", ("chain",))


@pytest.fixture
def toy():
    register_strategy(TOY)
    yield TOY
    unregister_strategy(TOY.name)


async def test_the_engine_runs_a_registered_strategy(toy):
    engine = Engine(fast_settings(), demo=True)
    events = []
    result = await engine.run_to_result(
        Request("What is 2+2?", strategy="toy"), on_event=events.append
    )
    assert result.success and result.strategy == "toy"
    assert result.detail(Toss) == Toss(result.model_used)
    assert result.to_dict()["metadata"]["toss"] == {"model": result.model_used}
    assert [e.strategy for e in events if isinstance(e, RoutingDecided)] == ["toy"]


def test_the_config_accepts_a_registered_strategy_as_the_default(toy, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('default_strategy = "toy"\n')
    settings, _ = load_settings(path)
    assert settings.default_strategy == "toy"
    unregister_strategy("toy")
    with pytest.raises(
        ConfigError,
        match=r"default_strategy: unknown strategy 'toy' \(choose "
        r"from single, cheapest, fallback, ensemble",
    ):
        load_settings(path)


async def test_the_default_strategy_of_the_settings_runs(toy):
    engine = Engine(fast_settings(default_strategy="toy"), demo=True)
    result = await engine.run_to_result(Request("What is 2+2?"))
    assert result.strategy == "toy" and result.detail(Toss) is not None


def test_orch_ask_help_lists_it_and_forgets_it_once_unregistered(toy):
    from orchestrator_tui.cli.main import app

    def ask_help() -> str:
        proc = CliRunner().invoke(app, ["ask", "--help"], terminal_width=200)
        assert proc.exit_code == 0, proc.output
        return proc.output

    text = ask_help()
    assert "toy: the last model of the chain, no questions asked" in text
    assert all(f"{name}:" in text for name in strategy_names())
    unregister_strategy("toy")
    assert "toy:" not in ask_help()


def test_an_unknown_strategy_is_one_line_naming_the_choices(toy):
    engine = Engine(fast_settings(), demo=True)
    with pytest.raises(
        UsageError,
        match=r"unknown strategy 'tyo' \(choose from single, .*, "
        r"learned, toy\)",
    ):
        engine.check(Request("hi", strategy="tyo"))


async def test_the_tui_offers_it_in_the_selector_f4_palette_and_help(toy, tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        select = app.screen.query_one("#strategy", Select)
        assert [value for _, value in select._options] == list(strategy_names())
        seen = [app.strategy]
        for _ in strategy_names():  # F4 goes through every strategy, the toy too, and round
            before = app.strategy
            await pilot.press("f4")
            await wait_until(
                pilot, lambda before=before: app.strategy != before, what="the next strategy"
            )
            seen.append(app.strategy)
        assert seen[0] == seen[-1] and sorted(seen[1:]) == sorted(strategy_names())
        await use_strategy(pilot, "toy")
        await send(pilot, "What is the capital of France?")
        assert app.session.requests == 1
        await use_strategy(pilot, "single")
        await pilot.press("ctrl+p")
        palette = await shown(pilot, CommandPalette)
        await pilot.press(*"strategy: toy")
        await wait_until(
            pilot,
            lambda: highlighted(palette).startswith("Strategy: toy"),
            what="the toy strategy in the palette",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.strategy == "toy", what="the toy chosen")
        await pilot.press("f1")
        help_screen = await shown(pilot, HelpScreen, focused=False)
        table = help_screen.query_one("#strategies", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        assert [str(row[0]) for row in rows] == list(strategy_names())
        assert [str(cell) for cell in rows[-1]] == ["toy", f"{TOY.description}\noptions: chain"]


async def test_the_palette_offers_every_strategy(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.screen.is_mounted, what="the main screen")
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {f"Strategy: {name}" for name in strategy_names()} <= titles
        assert len(strategy_names()) == 6


def test_registration_refuses_a_taken_name_and_unknown_options():
    with pytest.raises(ValueError, match="already registered"):
        register_strategy(StrategySpec("fallback", run_toy, "again"))
    with pytest.raises(ValueError, match="temperatur: no such Request field"):
        register_strategy(StrategySpec("warm", run_toy, "typo", ("temperatur",)))
    with pytest.raises(ValueError, match="lower-case"):
        StrategySpec("Toy Box", run_toy, "spaces")
    assert find_strategy("warm") is None


def test_the_built_in_strategies_read_request_fields_and_load_their_runners():
    from orchestrator_tui.engine.request import Request as RequestClass

    request_fields = {f.name for f in fields(RequestClass)}
    for spec in strategy_specs():
        assert set(spec.options) <= request_fields, spec.name
        assert callable(spec.load_runner()) and spec.description
