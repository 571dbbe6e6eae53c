"""The chain editor asks before Escape throws edits away; its model picker offers only the
models not in the chain yet, with their prices."""

from __future__ import annotations

from textual.widgets import OptionList

from orchestrator_tui.tui.screens.chains import ChainEditorScreen
from orchestrator_tui.tui.screens.dialogs import Confirm, PickModel
from orchestrator_tui.tui.screens.main import MainScreen

from .tui_helpers import SIZE, make_app, shown, wait_until


async def open_editor(pilot) -> ChainEditorScreen:
    await pilot.press("f2")
    return await shown(pilot, ChainEditorScreen)


async def test_escape_without_edits_goes_straight_back(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot)
        await pilot.press("escape")
        await shown(pilot, MainScreen)


async def test_escape_with_edits_asks_first(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        saved = list(editor.models)
        await pilot.press("x")  # the first model removed
        await wait_until(pilot, lambda: editor.models == saved[1:], what="a model removed")
        await pilot.press("escape")
        await shown(pilot, Confirm, focused=False)
        await pilot.press("n")  # keep editing: the edits are still there
        await wait_until(pilot, lambda: app.screen is editor, what="back in the editor")
        assert editor.models == saved[1:]
        await pilot.press("escape")
        await shown(pilot, Confirm, focused=False)
        await pilot.press("y")
        await shown(pilot, MainScreen)
        assert app.engine.registry.chains["test-mixed"] == saved  # nothing saved


async def test_the_picker_hides_chain_models_and_shows_prices(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        await pilot.press("a")
        picker = await shown(pilot, PickModel)
        choices = picker.query_one(OptionList)
        offered = {
            choices.get_option_at_index(i).id: str(choices.get_option_at_index(i).prompt)
            for i in range(choices.option_count)
        }
        assert not set(offered) & set(editor.models)
        assert set(offered) == set(app.engine.registry.models) - set(editor.models)
        assert "$1 in · $5 out per Mtok" in offered["test-mini-a"]
        assert "no price" in offered["test-unpriced-o"]
