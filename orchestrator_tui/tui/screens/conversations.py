"""Past conversations (from the history database), searchable; Enter reopens one on the main
screen, where the next prompt continues it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input

from ...formatting import cost_text
from ...store.periods import local_time as when
from ...textfiles import shown

if TYPE_CHECKING:
    from ..app import OrchApp


class ConversationsScreen(Screen):
    if TYPE_CHECKING:
        app: OrchApp  # the app this screen runs in, with its engine, settings and database

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="conversations_back"),
        Binding("slash", "search", "Search", id="conversations_search"),
    ]

    def compose(self):
        yield Input(placeholder="search the conversations' prompts", id="search")
        yield DataTable(cursor_type="row", id="conversations")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "last", "turns", "cost", "first prompt")
        self.load("")
        table.focus()

    def load(self, query: str) -> None:
        from ...store.conversations import list_conversations

        table = self.query_one(DataTable)
        table.clear()
        for row in list_conversations(self.app.db, limit=200, query=query or None):
            title = shown(row["title"] or "(not logged)").replace("\n", " ")[:70]
            cost = cost_text(row["demo_cost"] if row["demo"] else row["cost"], unknown="$?")
            cost += " demo" if row["demo"] else ""
            table.add_row(
                row["id"][:8],
                when(row["last_timestamp"]),
                str(row["turns"]),
                cost,
                title,
                key=row["id"],
            )

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.load(event.value)

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(DataTable.RowSelected)
    async def reopen(self, event: DataTable.RowSelected) -> None:
        from .main import MainScreen

        conversation_id = event.row_key.value
        main = self.app.get_screen_of(MainScreen)
        if conversation_id is None or main is None:
            return
        self.app.pop_screen()
        await main.show_conversation(conversation_id)
