"""Past conversations (from the history database), searchable; Enter reopens one on the main
screen, where the next prompt continues it."""

from __future__ import annotations

from textual import on
from textual.widgets import DataTable

from ...formatting import cost_text
from ...store.periods import local_time as when
from ...textfiles import shown
from .searchable import SearchableList, search_bindings


class ConversationsScreen(SearchableList):
    BINDINGS = search_bindings("conversations")
    PLACEHOLDER = "search the conversations' prompts"
    COLUMNS = ("id", "last", "turns", "cost", "first prompt")
    TABLE_ID = "conversations"

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

    @on(DataTable.RowSelected)
    async def reopen(self, event: DataTable.RowSelected) -> None:
        from .main import MainScreen

        conversation_id = event.row_key.value
        main = self.app.get_screen_of(MainScreen)
        if conversation_id is None or main is None:
            return
        self.app.pop_screen()
        await main.show_conversation(conversation_id)
