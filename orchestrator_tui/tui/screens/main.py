"""The main screen: prompt editor, strategy and target, the live panes and the dashboard."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Select, Static

from ...engine import Request
from ...engine import events as ev
from ...engine.strategies import strategy_names
from ...errors import OrchError
from ..readiness import warn_if_unready
from ..widgets.board import PaneBoard
from ..widgets.dashboard import Dashboard
from ..widgets.prompt import PromptEditor

if TYPE_CHECKING:
    from ..app import OrchApp


class MainScreen(Screen):
    if TYPE_CHECKING:
        app: OrchApp  # the app this screen runs in, with its engine, settings and database

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+n", "new_conversation", "New chat", id="new_conversation"),
        Binding("f2", "app.chains", "Chains", id="chains"),
        Binding("f3", "app.history", "History", id="history"),
        Binding("f4", "next_strategy", "Strategy", id="next_strategy"),
        Binding("f8", "rate('good')", "Rate good", id="rate_good"),
        Binding("f9", "rate('bad')", "Rate bad", id="rate_bad"),
        Binding("f1", "app.help", "Help", id="help"),
    ]

    def compose(self):
        app = self.app
        yield Static(app.banner_text(), id="banner")
        with Horizontal(id="controls"):
            yield Select(
                [(s, s) for s in strategy_names()],
                value=app.strategy,
                allow_blank=False,
                id="strategy",
            )
            yield Select(app.target_options(), value=app.target, allow_blank=False, id="target")
            yield Static("", id="conversation")
        yield PromptEditor(id="prompt", cursor_blink=app.settings.cursor_blink)
        with Horizontal(id="body"):
            yield PaneBoard(id="board")
            yield Dashboard(id="dashboard")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PromptEditor).focus()
        self.refresh_dashboard()
        self.show_conversation()

    @on(Select.Changed, "#strategy")
    def strategy_changed(self, event: Select.Changed) -> None:
        self.app.strategy = str(event.value)
        warn_if_unready(self, self.app.strategy)
        target = self.query_one("#target", Select)
        target.set_options(self.app.target_options())
        target.value = self.app.target

    @on(Select.Changed, "#target")
    def target_changed(self, event: Select.Changed) -> None:
        self.app.target = str(event.value)

    def action_next_strategy(self) -> None:
        """F4: the next registered strategy, after the last the first."""
        names = strategy_names()
        index = names.index(self.app.strategy) if self.app.strategy in names else -1
        self.set_strategy(names[(index + 1) % len(names)])

    def set_strategy(self, strategy: str) -> None:
        self.query_one("#strategy", Select).value = strategy

    def sync_controls(self) -> None:
        """Show the app's strategy and target (after the chain editor changed them)."""
        self.query_one("#strategy", Select).value = self.app.strategy
        target = self.query_one("#target", Select)
        target.set_options(self.app.target_options())
        target.value = self.app.target

    @on(PromptEditor.Submitted)
    def submit(self, event: PromptEditor.Submitted) -> None:
        session = self.app.session
        session.prompts.append(event.text)
        editor = self.query_one(PromptEditor)
        editor.remember(session.prompts)
        editor.load_text("")
        self.run_request(self.app.build_request(event.text))

    @work(exclusive=True, group="run", exit_on_error=False, description="run a request")
    async def run_request(self, request: Request) -> None:
        board = self.query_one(PaneBoard)
        await board.reset()
        try:
            async for event in self.app.engine.run(request):
                await board.handle(event)
                self.on_engine_event(event, request)
        except OrchError as error:
            self.notify(str(error), severity="error", timeout=8)
        except asyncio.CancelledError:
            board.mark_unfinished("cancelled")
            raise
        finally:
            self.refresh_dashboard()

    def on_engine_event(self, event: ev.Event, request: Request) -> None:
        session = self.app.session
        if isinstance(event, ev.Note):
            self.notify(event.message, timeout=5)
        elif isinstance(event, ev.AttemptFinished):
            session.add_attempt(event.attempt)
            self.refresh_dashboard()
        elif isinstance(event, ev.ResultReady):
            session.add_result(request.prompt, event.result)
            session.last_history_id = event.result.history_id
            self.show_conversation()
            self.warn_about_budgets()
            if not event.result.success:
                self.notify(event.result.error or "no answer", severity="error")

    def action_cancel(self) -> None:
        running = [w for w in self.workers.cancel_group(self, "run") if w.is_running]
        if running:
            self.notify("cancelled; what was already used is recorded")

    def action_rate(self, verdict: str) -> None:
        """Rate the answer on screen (the signal `orch router train --from-history` learns)."""
        from ..rating import rate_on_screen

        rate_on_screen(self, verdict)

    def action_new_conversation(self) -> None:
        self.app.session.new_conversation()
        self.show_conversation()
        self.notify("new conversation")

    def show_conversation(self) -> None:
        turns = len(self.app.session.conversation) // 2
        text = (
            f"conversation: {turns} turn{'s' if turns != 1 else ''}"
            if turns
            else "new conversation"
        )
        self.query_one("#conversation", Static).update(f"[dim]{text}  (ctrl+n: new)[/]")

    def warn_about_budgets(self) -> None:
        """Show the budget warnings and notes (see frontend.budget_warnings)."""
        from ...frontend import budget_warnings

        for level, text in budget_warnings(self.app.db, self.app.engine):
            self.notify(
                text, severity="warning" if level == "warning" else "information", timeout=8
            )

    def refresh_dashboard(self) -> None:
        dashboard = self.query_one(Dashboard)
        dashboard.update_session(self.app.session)
        dashboard.update_budget(self.app.daily_budget())
