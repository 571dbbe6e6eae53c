"""The history screen: past requests, searchable; Enter opens one with its panes again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from textual import on
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...formatting import cost_text
from ...store.history import get_request, search_requests
from ...store.periods import local_time as when
from ...store.ratings import rating_label
from ...textfiles import shown
from ..widgets.board import PaneBoard
from .searchable import SearchableList, search_bindings

if TYPE_CHECKING:
    from ..app import OrchApp


class HistoryScreen(SearchableList):
    BINDINGS = search_bindings("history")
    PLACEHOLDER = "search prompts, answers, models, categories"
    COLUMNS = ("id", "when", "strategy", "model", "cost", "status", "rating", "prompt")
    TABLE_ID = "requests"

    def load(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in search_requests(self.app.db, query):
            note = "demo" if row["demo"] else ""
            if row["cached"]:
                note = (note + " cached").strip()
            status = row["status"] + (f" ({note})" if note else "")
            prompt = shown(row["prompt"] or "(not logged)").replace("\n", " ")[:60]
            table.add_row(
                str(row["id"]),
                when(row["timestamp"]),
                row["strategy"] or "",
                row["model_used"] or "—",
                cost_text(row["cost"], unknown="$?"),
                status,
                rating_label(row["rating"], row["rated_by"]),
                prompt,
                key=str(row["id"]),
            )

    @on(DataTable.RowSelected)
    def open_request(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:  # every row has its request's id as its key
            self.app.push_screen(RequestScreen(int(event.row_key.value)))


class RequestScreen(Screen):
    """One past request as it ended: its prompt, rating and every attempt's pane, with the
    scores, consensus and escalation reasons it showed live."""

    if TYPE_CHECKING:
        app: OrchApp  # the app this screen runs in, with its engine, settings and database

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="request_back")]

    def __init__(self, request_id: int):
        super().__init__()
        self.request_id = request_id

    def compose(self):
        yield Static("", id="request-title")
        yield PaneBoard(id="request-panes")
        yield Footer()

    async def on_mount(self) -> None:
        from ..reopen import show_request

        record = get_request(self.app.db, self.request_id)
        title = self.query_one("#request-title", Static)
        if record is None:  # cleared from the history since the list was shown
            title.update(f"[b]#{self.request_id}[/b] is no longer in the history")
            return
        rating = rating_label(record["rating"], record["rated_by"])
        title.update(
            f"[b]#{record['id']}[/b] {when(record['timestamp'])} · {record['strategy']} · "
            f"{cost_text(record['cost'], unknown='$?')}"
            + (f" · rated {rating}" if rating else "")
            + f"\n[b]prompt:[/b] {escape(shown(record['prompt'] or '(not logged)'))}"
        )
        board = self.query_one(PaneBoard)
        await show_request(board, record)
        pane = board.focused_pane()
        if pane is not None:
            pane.focus()
