"""Every key binding, in one place."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

EXTRA_KEYS = [("main", "ctrl+p", "command palette: every action by name"),
              ("prompt", "up / down", "at the first / last line: earlier prompts")]


def binding_rows() -> list[tuple[str, str, str]]:
    from ..app import OrchApp
    from ..widgets.prompt import PromptEditor
    from .chains import ChainEditorScreen
    from .history import HistoryScreen, RequestScreen
    from .main import MainScreen

    places = [("app", OrchApp), ("main", MainScreen), ("prompt", PromptEditor),
              ("chain editor", ChainEditorScreen), ("history", HistoryScreen),
              ("past request", RequestScreen)]
    rows = []
    for place, owner in places:
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.show is not False:
                rows.append((place, binding.key.replace(",", " / "), binding.description))
    return rows + EXTRA_KEYS


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self):
        with VerticalScroll(classes="dialog help"):
            yield Label("[b]keys[/b]  (escape closes)")
            yield DataTable(id="keys", show_cursor=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("where", "key", "does")
        for row in binding_rows():
            table.add_row(*row)
