"""Every key binding, in one place, and every strategy with what it does."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from ...engine.strategies import strategy_specs

EXTRA_KEYS = [
    ("main", "ctrl+p", "command palette: every action by name"),
    ("prompt", "up / down", "at the first / last line: earlier prompts (the draft comes back)"),
    ("panes", "1 … 9", "show and focus that pane (in tabs: that tab)"),
]


def binding_rows(app_class: type[App[object]]) -> list[tuple[str, str, str]]:
    """(where, key, what it does) for every described binding of the app and its screens
    (also those the footer leaves out for room)."""
    from ..widgets.board import PaneBoard
    from ..widgets.pane import ModelPane
    from ..widgets.prompt import PromptEditor
    from .chains import ChainEditorScreen
    from .conversations import ConversationsScreen
    from .history import HistoryScreen, RequestScreen
    from .main import MainScreen

    places: list[tuple[str, type[Any]]] = [
        ("app", app_class),
        ("main", MainScreen),
        ("prompt", PromptEditor),
        ("pane", ModelPane),
        ("panes", PaneBoard),
        ("chain editor", ChainEditorScreen),
        ("conversations", ConversationsScreen),
        ("history", HistoryScreen),
        ("past request", RequestScreen),
    ]
    rows: list[tuple[str, str, str]] = []
    for place, owner in places:
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                rows.append((place, binding.key.replace(",", " / "), binding.description))
    return rows + EXTRA_KEYS


def strategy_rows() -> list[tuple[str, Text]]:
    """(name, what it does and, below, the options it reads) for every registered strategy."""
    rows = []
    for spec in strategy_specs():
        does = Text(spec.description)
        if spec.options:
            does.append("\noptions: " + ", ".join(spec.options), style="dim")
        rows.append((spec.name, does))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self):
        with VerticalScroll(classes="dialog help"):
            yield Label("[b]keys[/b]  (escape closes)")
            yield DataTable(id="keys", show_cursor=False)
            yield Label("[b]strategies[/b]  (F4 or the selector: the next prompt's)")
            yield DataTable(id="strategies", show_cursor=False)

    def on_mount(self) -> None:
        keys = self.query_one("#keys", DataTable)
        keys.add_columns("where", "key", "does")
        for binding_row in binding_rows(type(self.app)):
            keys.add_row(*binding_row)
        strategies = self.query_one("#strategies", DataTable)
        strategies.add_columns("strategy", "does")
        for row in strategy_rows():
            strategies.add_row(*row, height=None)
