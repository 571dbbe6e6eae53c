"""The session dashboard: totals (real money apart from demo money, cache hits counted as
such), cost per request as a sparkline from $0, a per-model table, and the daily budget gauge
of real money. The figures are the history's, as `orch stats` counts them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Vertical
from textual.widgets import DataTable, Label, ProgressBar, Static

from ...formatting import cost_text
from ..figures import cost_sparkline, money_text, plural

if TYPE_CHECKING:
    from ..app import OrchApp

SPARK_WIDTH = 40  # until the dashboard is laid out


class Dashboard(Vertical):
    if TYPE_CHECKING:
        app: OrchApp  # the app this widget runs in, with its database and settings

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.costs: list[float] = []

    def compose(self):
        yield Label("session", classes="dash-title")
        yield Static("no requests yet", id="totals")
        yield Label("cost per request", id="costs-title", classes="dash-title")
        yield Static("", id="costs")
        yield Label("models", classes="dash-title")
        yield DataTable(id="models", show_cursor=False, zebra_stripes=False)
        yield Label("daily budget (real money)", classes="dash-title")
        yield ProgressBar(total=1.0, show_eta=False, id="budget")
        yield Static("", id="budget-text")

    def on_mount(self) -> None:
        table = self.query_one("#models", DataTable)
        table.add_columns("model", "calls", "avg s", "cost")

    def on_resize(self) -> None:
        self.draw_costs()

    def update_session(self, session) -> None:
        """Read the session's figures back from the history and show them."""
        figures = session.refresh_figures(self.app.db)
        self.query_one("#totals", Static).update(totals_text(figures))
        self.costs = figures.costs
        self.draw_costs()
        self.fill_models(figures.models)

    def draw_costs(self) -> None:
        spark = self.query_one("#costs", Static)
        width = spark.content_size.width or SPARK_WIDTH
        height = spark.content_size.height or 1
        spark.update(cost_sparkline(self.costs, width, height))
        title = "cost per request"
        if self.costs:
            title += f" [dim]· top {cost_text(max(self.costs[-width:]))}[/]"
        self.query_one("#costs-title", Label).update(title)

    def fill_models(self, models) -> None:
        table = self.query_one("#models", DataTable)
        table.clear()
        for model in models:
            latency = model.average_latency
            table.add_row(
                model.model,
                str(model.calls) + (f" ({model.cache_hits} cached)" if model.cache_hits else ""),
                "—" if latency is None else f"{latency:.2f}",
                cost_text(model.cost, unknown="$?"),
            )

    def update_budget(self, state) -> None:
        """`state`: the daily BudgetState of real money, or None when no daily budget is set."""
        bar = self.query_one("#budget", ProgressBar)
        text = self.query_one("#budget-text", Static)
        if state is None:
            bar.update(total=1.0, progress=0.0)
            text.update("[dim]none set (orch budget set --daily USD)[/]")
            return
        bar.update(total=state.limit or 1e-9, progress=min(state.spent, state.limit))
        spent = cost_text(state.spent, unknown="$?")
        demo = demo_budget_line(self.app.db, self.app.settings)
        text.update(f"{spent} of ${state.limit:g} ({state.share:.0%}){demo}")


def demo_budget_line(db, settings) -> str:
    """The demo provider's simulated spending today, kept apart as `orch budget` shows it
    (a demo session's calls are held to the budget by it); "" when there is none."""
    from ...store.budgets import budget_states

    states = budget_states(db, settings, demo=True) if db is not None else []
    state = next((s for s in states if s.period == "daily"), None)
    if state is None or not (state.spent or state.held):
        return ""
    spent = cost_text(state.spent)
    return f"\n[dim]demo, kept apart: {spent} simulated ({state.share:.0%})[/]"


def totals_text(figures) -> str:
    """`3 requests · 1 cache hit`, the money, the tokens; or that there are none yet."""
    if not figures.requests:
        return "no requests yet"
    counts = plural(len(figures.requests), "request")
    if figures.cache_hits:
        counts += f" · {plural(figures.cache_hits, 'cache hit')}"
    money = money_text(figures.real_cost, figures.demo_cost, figures.has_demo)
    tokens = f"{figures.input_tokens:,} in / {figures.output_tokens:,} out tokens"
    return f"{counts}\n{money}\n{tokens}"
