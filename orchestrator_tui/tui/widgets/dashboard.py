"""The session dashboard: totals, a per-model table, the daily budget gauge and cost per
request as a sparkline."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widgets import DataTable, Label, ProgressBar, Sparkline, Static

from ...formatting import cost_text


class Dashboard(Vertical):
    def compose(self):
        yield Label("session", classes="dash-title")
        yield Static("no requests yet", id="totals")
        yield Label("cost per request", classes="dash-title")
        yield Sparkline([0.0], id="costs")
        yield Label("models", classes="dash-title")
        yield DataTable(id="models", show_cursor=False, zebra_stripes=False)
        yield Label("daily budget", classes="dash-title")
        yield ProgressBar(total=1.0, show_eta=False, id="budget")
        yield Static("", id="budget-text")

    def on_mount(self) -> None:
        table = self.query_one("#models", DataTable)
        table.add_columns("model", "n", "avg s", "cost")

    def update_session(self, session) -> None:
        self.query_one("#totals", Static).update(
            f"{session.requests} requests  {cost_text(session.cost, unknown='$?')}\n"
            f"{session.input_tokens:,} in / {session.output_tokens:,} out tokens"
        )
        self.query_one("#costs", Sparkline).data = session.costs_per_request or [0.0]
        table = self.query_one("#models", DataTable)
        table.clear()
        for name, totals in sorted(session.models.items(), key=lambda kv: -kv[1].cost):
            table.add_row(
                name,
                str(totals.calls),
                f"{totals.average_latency:.2f}",
                cost_text(totals.cost, unknown="$?"),
            )

    def update_budget(self, state) -> None:
        """`state`: the daily BudgetState, or None when no daily budget is set."""
        bar = self.query_one("#budget", ProgressBar)
        text = self.query_one("#budget-text", Static)
        if state is None:
            bar.update(total=1.0, progress=0.0)
            text.update("[dim]none set (orch budget set --daily USD)[/]")
            return
        bar.update(total=state.limit or 1e-9, progress=min(state.spent, state.limit))
        spent = cost_text(state.spent, unknown="$?")
        text.update(f"{spent} of ${state.limit:g} ({state.share:.0%})")
