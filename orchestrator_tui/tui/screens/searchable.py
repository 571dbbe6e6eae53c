"""A screen that lists rows from the history with a search box above them (history,
conversations): `/` searches, Enter in the box goes to the table, Escape goes back."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

if TYPE_CHECKING:
    from ..app import OrchApp


class SearchableList(Screen):
    if TYPE_CHECKING:
        app: OrchApp  # the app this screen runs in, with its engine, settings and database

    PLACEHOLDER: ClassVar[str] = "search"
    COLUMNS: ClassVar[tuple[str, ...]] = ()
    TABLE_ID: ClassVar[str] = "rows"

    def compose(self):
        yield Input(placeholder=self.PLACEHOLDER, id="search")
        yield DataTable(cursor_type="row", id=self.TABLE_ID)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*self.COLUMNS)
        self.load("")
        table.focus()

    def load(self, query: str) -> None:
        """Fill the table with the rows matching `query` ("" for the latest)."""
        raise NotImplementedError

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.load(event.value)

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()


def search_bindings(prefix: str) -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    return [
        Binding("escape", "app.pop_screen", "Back", id=f"{prefix}_back"),
        Binding("slash", "search", "Search", id=f"{prefix}_search"),
    ]
