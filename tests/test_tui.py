"""The TUI driven with Textual's Pilot, on the demo provider."""

from __future__ import annotations

from textual.widgets import DataTable

from orchestrator_tui.store.history import get_request, list_requests
from orchestrator_tui.tui.screens.chains import ChainEditorScreen
from orchestrator_tui.tui.screens.help import HelpScreen
from orchestrator_tui.tui.screens.history import HistoryScreen, RequestScreen
from orchestrator_tui.tui.widgets.dashboard import Dashboard
from orchestrator_tui.tui.widgets.pane import ModelPane
from orchestrator_tui.tui.widgets.prompt import PromptEditor

from .tui_helpers import SIZE, GatedDemo, make_app, send


def panes(app) -> list[ModelPane]:
    return list(app.screen.query(ModelPane))


async def test_ensemble_shows_three_panes_costs_confidence_and_a_winner(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert "DEMO" in str(app.screen.query_one("#banner").render())
        await pilot.press(*"What is the capital of France?")
        await pilot.press("ctrl+j")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        shown = panes(app)
        assert [p.model for p in shown] == ["claude-haiku-5-5", "gpt-6-luna", "gpt-6.1-terra"]
        assert all(p.status == "done" and p.attempt.confidence is not None for p in shown)
        winners = [p for p in shown if p.has_class("-winner")]
        assert len(winners) == 1 and "★ winner" in winners[0].note
        assert all("score" in p.note for p in shown)
        assert "Paris" in winners[0].attempt.text
        header = str(winners[0].query_one(".pane-header").render())
        assert "$" in header and "tok" in header and "0." in header
        [row] = list_requests(app.db)
        assert app.session.cost == row["cost"] and row["strategy"] == "ensemble"
        totals = str(app.screen.query_one(Dashboard).query_one("#totals").render())
        assert "1 requests" in totals


async def test_fallback_panes_appear_as_the_chain_escalates(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.set_strategy("fallback")
        await send(pilot, "Prove that sqrt 2 is irrational")
        shown = panes(app)
        assert len(shown) > 1
        assert all("escalated to" in p.note and "confidence" in p.note for p in shown[:-1])
        assert shown[-1].has_class("-winner")
        assert shown[-1].attempt.model == "claude-opus-5-5"


async def test_escape_cancels_and_the_partial_call_is_recorded(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        gate = GatedDemo(held={"claude-haiku-5-5", "gpt-6-luna", "gpt-6.1-terra"})
        app.engine._providers["demo"] = gate
        await send(pilot, "What is the capital of France?", wait=False)
        for _ in range(50):
            await pilot.pause(0.05)
            if any(p.status == "streaming" for p in panes(app)):
                break
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert {p.status for p in panes(app)} == {"cancelled"}
        record = get_request(app.db, list_requests(app.db)[0]["id"])
        assert record["status"] == "cancelled"
        assert all(a["status"] == "cancelled" and a["input_tokens"] > 0
                   for a in record["attempts"])


async def test_prompt_recall_and_conversation(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.set_strategy("single")
        await send(pilot, "What is 2+2?")
        await send(pilot, "What is 3+3?")
        assert len(app.session.conversation) == 4
        record = get_request(app.db, list_requests(app.db)[0]["id"])
        assert record["conversation_id"] == app.session.conversation_id
        editor = app.screen.query_one(PromptEditor)
        editor.focus()
        await pilot.press("up")
        assert editor.text == "What is 3+3?"
        await pilot.press("up")
        assert editor.text == "What is 2+2?"
        await pilot.press("down", "down")
        assert editor.text == ""
        await pilot.press("ctrl+n")
        assert app.session.conversation == []


async def test_chain_editor_moves_adds_removes_saves_and_uses(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("# my settings\nthreshold = 0.6  # keep this comment\n")
    app = make_app(tmp_path, config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        editor = app.screen
        assert isinstance(editor, ChainEditorScreen) and editor.chain_name == "mixed"
        original = list(editor.models)
        await pilot.press("shift+down")  # first model moves to second place
        assert editor.models[:2] == [original[1], original[0]]
        await pilot.press("x")  # removes the row under the cursor (the moved model)
        assert original[0] not in editor.models
        await pilot.press("a")
        await pilot.press(*"mythos")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert "claude-mythos-5-1" in editor.models
        await pilot.press("t")
        await pilot.press(*"0.75", "enter")
        await pilot.press("s")
        await pilot.press(*"mine", "enter")
        await pilot.pause(0.1)
        saved = config.read_text()
        assert "# keep this comment" in saved and "[chains]" in saved
        assert 'mine = ["' in saved and "claude-mythos-5-1" in saved
        assert "mine = 0.75" in saved
        await pilot.press("u")
        assert app.target == "chain:mine"
        assert app.settings.chain_thresholds["mine"] == 0.75


async def test_history_screen_searches_and_opens_a_request(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.set_strategy("single")
        await send(pilot, "What is the capital of France?")
        await send(pilot, "What is 2+2?")
        await pilot.press("f3")
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        await pilot.press("slash", *"France")
        await pilot.pause(0.1)
        assert table.row_count == 1
        await pilot.press("enter")  # from the search box to the table
        await pilot.press("enter")  # open the row
        await pilot.pause(0.2)
        assert isinstance(app.screen, RequestScreen)
        [pane] = panes(app)
        assert pane.attempt.status == "ok" and pane.has_class("-winner")


async def test_command_palette_finds_the_chain_editor(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"chain")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ChainEditorScreen)


async def test_help_lists_every_binding(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        keys = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert {"ctrl+j", "escape", "ctrl+n", "f2", "f3", "ctrl+p", "a"} <= keys


async def test_budget_gauge_reflects_the_daily_budget(tmp_path):
    from orchestrator_tui.config import BudgetSettings

    app = make_app(tmp_path, budget=BudgetSettings(daily=0.01), max_tokens=200)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is the capital of France?")
        text = str(app.screen.query_one("#budget-text").render())
        assert "of $0.01" in text
        assert app.screen.query_one("#budget").progress > 0
        assert not [n for n in app._notifications if "budget" in n.message]
        app.screen.set_strategy("single")
        for _ in range(12):  # about $0.0008 each: 80% is passed on the tenth
            app.target = "model:gpt-6.1-terra"
            await send(pilot, "Design a cache")
        assert [n for n in app._notifications if "of the daily budget" in n.message]


async def test_switching_to_single_offers_models(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.set_strategy("single")
        await pilot.pause()
        assert app.target.startswith("model:")
        app.screen.set_strategy("fallback")
        await pilot.pause()
        assert app.target == "chain:mixed"  # back to the chain it had


async def test_f8_and_f9_rate_the_last_answer(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")  # nothing to rate yet
        await pilot.pause()
        await send(pilot, "What is 2 + 2?")
        [row] = list_requests(app.db)
        await pilot.press("f9")
        await pilot.pause()
        assert get_request(app.db, row["id"])["rating"] == 0
        await pilot.press("f8")
        await pilot.pause()
        assert get_request(app.db, row["id"])["rating"] == 1


async def test_consensus_and_learned_are_offered(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        app.screen.set_strategy("consensus")
        await pilot.pause()
        await send(pilot, "What is the capital of France?")
        assert app.session.requests == 1 and app.target.startswith("chain:")
        app.screen.set_strategy("learned")  # no trained router: a notification, no crash
        await pilot.pause()
        await send(pilot, "What is 2 + 2?")
        assert app.session.requests == 1


class MalformedDemo(GatedDemo):
    """The demo provider, except that `broken` models send a chunk no one can read."""

    def __init__(self, broken: set[str]):
        super().__init__(held=set())
        self.broken = broken

    async def stream(self, model, params):
        async for part in super().stream(model, params):
            yield part
            if model.name in self.broken:
                raise ValueError("Expecting ',' delimiter: line 1 column 48")


async def test_a_member_whose_stream_breaks_ends_as_an_error_pane_not_pending(tmp_path):
    app = make_app(tmp_path)
    app.settings.retries.max_retries = 0
    async with app.run_test(size=SIZE) as pilot:
        app.engine._providers["demo"] = MalformedDemo(broken={"gpt-6-luna"})
        await send(pilot, "What is the capital of France?")
        statuses = {p.model: p.status.split(":")[0] for p in panes(app)}
        assert statuses == {"claude-haiku-5-5": "done", "gpt-6-luna": "failed",
                            "gpt-6.1-terra": "done"}
        broken = next(p for p in panes(app) if p.model == "gpt-6-luna")
        assert "unreadable stream chunk" in broken.status and broken.has_class("-failed")
        assert any(p.has_class("-winner") for p in panes(app))
