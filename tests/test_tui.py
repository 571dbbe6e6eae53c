"""The TUI driven with Textual's Pilot, on the demo provider. Every step waits for what it
needs (a screen, a focus, a finished worker), never for an amount of time."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import DataTable, Input

from orchestrator_tui.store.history import get_request, list_requests
from orchestrator_tui.tui.screens.chains import ChainEditorScreen
from orchestrator_tui.tui.screens.dialogs import AskValue, PickModel
from orchestrator_tui.tui.screens.help import HelpScreen
from orchestrator_tui.tui.screens.history import HistoryScreen, RequestScreen
from orchestrator_tui.tui.screens.main import MainScreen
from orchestrator_tui.tui.widgets.dashboard import Dashboard
from orchestrator_tui.tui.widgets.pane import ModelPane
from orchestrator_tui.tui.widgets.prompt import PromptEditor

from .tui_helpers import SIZE, GatedDemo, make_app, send, settle, shown, use_strategy, wait_until


def panes(app) -> list[ModelPane]:
    return list(app.screen.query(ModelPane))


async def test_ensemble_shows_three_panes_costs_confidence_and_a_winner(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert "DEMO" in str(app.screen.query_one("#banner").render())
        await pilot.press(*"What is the capital of France?")
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: app.session.prompts, what="the prompt sent")
        await settle(pilot)
        shown = panes(app)
        assert [p.model for p in shown] == ["test-small-a", "test-small-o", "test-medium-o"]
        assert all(p.status == "done" and p.attempt.confidence is not None for p in shown)
        winners = [p for p in shown if p.has_class("-winner")]
        assert len(winners) == 1 and "★ winner" in winners[0].note
        assert all("score" in p.note for p in shown)
        assert "Paris" in winners[0].attempt.text
        header = str(winners[0].query_one(".pane-header").render())
        assert "$" in header and "tok" in header and "conf 0." in header
        [row] = list_requests(app.db)
        assert app.session.cost == row["cost"] and row["strategy"] == "ensemble"
        totals = str(app.screen.query_one(Dashboard).query_one("#totals").render())
        assert "1 request\n" in totals  # not "1 requests"


async def test_fallback_panes_appear_as_the_chain_escalates(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "fallback")
        await send(pilot, "Prove that sqrt 2 is irrational")
        shown = panes(app)
        assert len(shown) > 1
        assert all("escalated to" in p.note and "confidence" in p.note for p in shown[:-1])
        assert shown[-1].has_class("-winner")
        assert shown[-1].attempt.model == "test-large-a"


async def test_escape_cancels_and_the_partial_call_is_recorded(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        gate = GatedDemo(held={"test-small-a", "test-small-o", "test-medium-o"})
        app.engine._providers["demo"] = gate
        await send(pilot, "What is the capital of France?", wait=False)
        await wait_until(
            pilot, lambda: any(p.status == "streaming" for p in panes(app)), what="a pane streaming"
        )
        await pilot.press("escape")
        await settle(pilot)
        assert {p.status for p in panes(app)} == {"cancelled"}
        record = get_request(app.db, list_requests(app.db)[0]["id"])
        assert record["status"] == "cancelled"
        assert all(a["status"] == "cancelled" and a["input_tokens"] > 0 for a in record["attempts"])


async def test_prompt_recall_and_conversation(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        await send(pilot, "What is 2+2?")
        await send(pilot, "What is 3+3?")
        assert len(app.session.conversation) == 4
        record = get_request(app.db, list_requests(app.db)[0]["id"])
        assert record["conversation_id"] == app.session.conversation_id
        editor = app.screen.query_one(PromptEditor)
        editor.focus()
        await wait_until(pilot, lambda: app.focused is editor, what="the editor focused")
        for key, shown_text in [
            ("up", "What is 3+3?"),
            ("up", "What is 2+2?"),
            ("down", "What is 3+3?"),
            ("down", ""),
        ]:
            await pilot.press(key)
            await wait_until(pilot, lambda text=shown_text: editor.text == text, what=shown_text)
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: app.session.conversation == [], what="a new chat")


async def test_chain_editor_moves_adds_removes_saves_and_uses(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("# my settings\nthreshold = 0.6  # keep this comment\n")
    app = make_app(tmp_path, config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        editor = await shown(pilot, ChainEditorScreen)
        assert editor.chain_name == "test-mixed"
        original = list(editor.models)
        await pilot.press("shift+down")  # first model moves to second place
        await wait_until(
            pilot,
            lambda: editor.models[:2] == [original[1], original[0]],
            what="the first model moved down",
        )
        await pilot.press("x")  # removes the row under the cursor (the moved model)
        await wait_until(pilot, lambda: original[0] not in editor.models, what="it removed")
        await pilot.press("a")
        await shown(pilot, PickModel)
        await pilot.press(*"mini")
        await pilot.press("enter")
        await shown(pilot, ChainEditorScreen)
        assert "test-mini-a" in editor.models
        await pilot.press("t")
        await shown(pilot, AskValue)
        await pilot.press(*"0.75", "enter")
        await shown(pilot, ChainEditorScreen)
        await pilot.press("s")
        await shown(pilot, AskValue)
        await pilot.press(*"mine", "enter")
        await shown(pilot, ChainEditorScreen)
        saved = config.read_text()
        assert "# keep this comment" in saved and "[chains]" in saved
        assert 'mine = ["' in saved and "test-mini-a" in saved
        assert "mine = 0.75" in saved
        await pilot.press("u")
        await shown(pilot, MainScreen)
        assert app.target == "chain:mine"
        assert app.settings.chain_thresholds["mine"] == 0.75


async def test_history_screen_searches_and_opens_a_request(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        await send(pilot, "What is the capital of France?")
        await send(pilot, "What is 2+2?")
        await pilot.press("f3")
        history = await shown(pilot, HistoryScreen)
        table = history.query_one(DataTable)
        assert table.row_count == 2
        await pilot.press("slash")
        await wait_until(pilot, lambda: isinstance(app.focused, Input), what="the search box")
        await pilot.press(*"France")
        await wait_until(pilot, lambda: table.row_count == 1, what="one request found")
        await pilot.press("enter")  # from the search box to the table
        await wait_until(pilot, lambda: app.focused is table, what="the table focused")
        await pilot.press("enter")  # open the row
        await shown(pilot, RequestScreen, focused=False)
        [pane] = panes(app)
        assert pane.attempt.status == "ok" and pane.has_class("-winner")


async def test_command_palette_finds_the_chain_editor(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        palette = await shown(pilot, CommandPalette)
        await pilot.press(*"chain")
        await wait_until(
            pilot,
            lambda: highlighted(palette).startswith("Chain editor"),
            what="the chain editor found",
        )
        await pilot.press("enter")
        await shown(pilot, ChainEditorScreen)


def highlighted(palette) -> str:
    """The text of the palette's highlighted command ("" while there is none)."""
    from textual.command import CommandList

    commands = palette.query_one(CommandList)
    if commands.highlighted is None:
        return ""
    return str(commands.get_option_at_index(commands.highlighted).prompt)


async def test_help_lists_every_binding(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        help_screen = await shown(pilot, HelpScreen, focused=False)
        table = help_screen.query_one(DataTable)
        keys = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert {"ctrl+j", "escape", "ctrl+n", "f2", "f3", "ctrl+p", "a"} <= keys


async def test_budget_gauge_reflects_the_daily_budget(tmp_path):
    from orchestrator_tui.config import BudgetSettings

    app = make_app(tmp_path, budget=BudgetSettings(daily=0.01), max_tokens=200)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "What is the capital of France?")
        text = str(app.screen.query_one("#budget-text").render())
        assert "of $0.01" in text and "demo, kept apart: $0.000" in text
        assert app.screen.query_one("#budget").progress == 0  # real money only, as orch budget
        assert not [n for n in app._notifications if "budget" in n.message]
        await use_strategy(pilot, "single")
        for _ in range(12):  # about $0.0008 each: 80% is passed on the tenth
            app.target = "model:test-medium-o"
            await send(pilot, "Design a cache")
        assert [n for n in app._notifications if "of the daily budget" in n.message]


async def test_switching_to_single_offers_models(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "single")
        assert app.target.startswith("model:")
        await use_strategy(pilot, "fallback")
        assert app.target == "chain:test-mixed"  # back to the chain it had


async def test_f8_and_f9_rate_the_last_answer(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")  # nothing to rate yet
        await pilot.pause()
        await send(pilot, "What is 2 + 2?")
        [row] = list_requests(app.db)

        def rating():
            return get_request(app.db, row["id"])["rating"]

        await pilot.press("f9")
        await wait_until(pilot, lambda: rating() is not None, what="a rating")
        assert rating() == 0
        await pilot.press("f8")
        await wait_until(pilot, lambda: rating() != 0, what="a new rating")
        assert rating() == 1


async def test_consensus_and_learned_are_offered(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await use_strategy(pilot, "consensus")
        await send(pilot, "What is the capital of France?")
        assert app.session.requests == 1 and app.target.startswith("chain:")
        await use_strategy(pilot, "learned")  # no trained router: a notification, no crash
        await send(pilot, "What is 2 + 2?")
        assert app.session.requests == 2  # the failed one counts, as in orch stats


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
        app.engine._providers["demo"] = MalformedDemo(broken={"test-small-o"})
        await send(pilot, "What is the capital of France?")
        statuses = {p.model: p.status.split(":")[0] for p in panes(app)}
        assert statuses == {
            "test-small-a": "done",
            "test-small-o": "failed",
            "test-medium-o": "done",
        }
        broken = next(p for p in panes(app) if p.model == "test-small-o")
        assert "unreadable stream chunk" in broken.status and broken.has_class("-failed")
        assert any(p.has_class("-winner") for p in panes(app))
