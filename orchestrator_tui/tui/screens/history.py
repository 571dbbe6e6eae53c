"""The history screen: past requests, searchable; Enter opens one with its panes again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from textual import on
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from ...engine.events import Attempt
from ...engine.status import AttemptStatus
from ...formatting import cost_text
from ...store.history import get_request, search_requests
from ...store.periods import local_time as when
from ...store.ratings import rating_label
from ...textfiles import shown
from ...types import Usage
from ..widgets.pane import ModelPane

if TYPE_CHECKING:
    from ..app import OrchApp


class HistoryScreen(Screen):
    if TYPE_CHECKING:
        app: OrchApp  # the app this screen runs in, with its engine, settings and database

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="history_back"),
        Binding("slash", "search", "Search", id="history_search"),
    ]

    def compose(self):
        yield Input(placeholder="search prompts, answers, models, categories", id="search")
        yield DataTable(cursor_type="row", id="requests")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "when", "strategy", "model", "cost", "status", "rating", "prompt")
        self.load("")
        table.focus()

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

    @on(Input.Changed, "#search")
    def search_changed(self, event: Input.Changed) -> None:
        self.load(event.value)

    @on(Input.Submitted, "#search")
    def search_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(DataTable.RowSelected)
    def open_request(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:  # every row has its request's id as its key
            self.app.push_screen(RequestScreen(int(event.row_key.value)))


class RequestScreen(Screen):
    """One past request: its prompt and every attempt's pane, as they ended."""

    if TYPE_CHECKING:
        app: OrchApp  # the app this screen runs in, with its engine, settings and database

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="request_back")]

    def __init__(self, request_id: int):
        super().__init__()
        self.record = None
        self.request_id = request_id

    def compose(self):
        yield Static("", id="request-title")
        yield Grid(id="request-panes")
        yield Footer()

    async def on_mount(self) -> None:
        record = get_request(self.app.db, self.request_id)
        title = self.query_one("#request-title", Static)
        if record is None:  # cleared from the history since the list was shown
            title.update(f"[b]#{self.request_id}[/b] is no longer in the history")
            return
        title.update(
            f"[b]#{record['id']}[/b] {when(record['timestamp'])} · {record['strategy']} · "
            f"{cost_text(record['cost'], unknown='$?')}\n[b]prompt:[/b] "
            f"{escape(shown(record['prompt'] or '(not logged)'))}"
        )
        grid = self.query_one(Grid)
        grid.styles.grid_size_columns = max(1, min(len(record["attempts"]), 3))
        for row in record["attempts"]:
            pane = ModelPane(row["model"], row["provider"], classes="pane")
            await grid.mount(pane)
            attempt = attempt_from_row(row)
            await pane.finish(attempt)
            await pane.show_text(row["text"] or "*(not logged)*")
            if attempt.accepted:
                pane.set_note("★ accepted", winner=True)


def attempt_from_row(row: dict) -> Attempt:
    usage = Usage(
        row["input_tokens"],
        row["output_tokens"],
        row["cache_read_tokens"],
        row["cache_write_tokens"],
        row["reasoning_tokens"],
    )
    return Attempt(
        row["attempt_no"],
        row["model"],
        row["provider"],
        AttemptStatus(row["status"]),
        row["text"] or "",
        usage,
        row["cost"],
        row["prices"] or {},
        row["latency"] or 0.0,
        row["time_to_first_token"],
        row["confidence"],
        row["error"],
        row["retries"],
        bool(row["accepted"]),
        cached=bool(row["cached"]),
        estimated=bool(row.get("estimated")),
    )
