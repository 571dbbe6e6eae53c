"""The main screen, a chat: a title line with the strategy and target, the transcript of the
conversation, the current turn's panes, the session dashboard beside them, and the prompt at
the bottom. Below `NARROW` columns the dashboard folds into the title line (Ctrl+B unfolds
it) and the panes become tabs."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Select, Static

from ...engine import Request
from ...engine import events as ev
from ...engine.strategies import strategy_names
from ...errors import OrchError
from ..readiness import warn_if_unready
from ..widgets.board import PaneBoard
from ..widgets.dashboard import Dashboard
from ..widgets.pane import ModelPane
from ..widgets.prompt import PromptEditor
from ..widgets.transcript import Transcript, Turn, TurnView

if TYPE_CHECKING:
    from ..app import OrchApp

NARROW = 110  # columns below which the dashboard folds into the title line
SHORT = 26  # rows below which the prompt keeps one line


class MainScreen(Screen):
    if TYPE_CHECKING:
        app: OrchApp  # the app this screen runs in, with its engine, settings and database

    BINDINGS = [
        Binding("ctrl+c", "interrupt", "Cancel", id="cancel", priority=True),
        Binding(
            "escape",
            "back",
            "Restore the pane, back to the prompt, else cancel",
            show=False,
            id="back",
        ),
        Binding("ctrl+n", "new_conversation", "New", id="new_conversation"),
        Binding("f2", "app.chains", "Chains", id="chains"),
        Binding("f3", "app.history", "History", id="history"),
        Binding("f4", "next_strategy", "Strategy", id="next_strategy"),
        Binding("f5", "app.conversations", "Chats", id="conversations"),
        # priority: the editor's own F6/F7 (select line, select all) would shadow them
        Binding("f6", "maximize_pane", "Maximize", id="maximize", priority=True),
        Binding("f7", "copy_answer", "Copy", id="copy_answer", priority=True),
        Binding("shift+f7", "copy_code", "Copy code", show=False, id="copy_code", priority=True),
        Binding("ctrl+b", "toggle_dashboard", "Dashboard", show=False, id="toggle_dashboard"),
        Binding("f8", "rate('good')", "Good", id="rate_good"),
        Binding("f9", "rate('bad')", "Bad", id="rate_bad"),
        Binding("f1", "app.help", "Help", id="help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.dashboard_choice: bool | None = None  # Ctrl+B's, over the width's default
        self.turn: TurnView | None = None  # the turn whose answers are on the board

    def compose(self):
        app = self.app
        with Horizontal(id="titlebar"):
            yield Static(app.banner_text(), id="banner")
            yield Select(
                [(s, s) for s in strategy_names()],
                value=app.strategy,
                allow_blank=False,
                compact=True,
                id="strategy",
            )
            yield Select(
                app.target_options(),
                value=app.target,
                allow_blank=False,
                compact=True,
                id="target",
            )
        with Horizontal(id="body"):
            with Vertical(id="chat"):
                yield Transcript(id="transcript")
                yield PaneBoard(id="board")
            yield Dashboard(id="dashboard")
        yield PromptEditor(id="prompt", cursor_blink=app.settings.cursor_blink)
        yield Footer()

    def on_mount(self) -> None:
        editor = self.query_one(PromptEditor)
        editor.remember(self.app.session.prompts)
        editor.load_text(self.app.session.draft)
        editor.move_cursor(editor.document.end)
        editor.focus()
        self.refresh_dashboard()

    def on_resize(self) -> None:
        self.fit_layout()

    def fit_layout(self) -> None:
        width, height = self.size
        narrow = width < NARROW
        self.set_class(narrow, "-narrow")
        self.set_class(height < SHORT, "-short")
        shown = self.dashboard_choice if self.dashboard_choice is not None else not narrow
        self.query_one(Dashboard).display = shown
        self.show_banner()

    def show_banner(self) -> None:
        """The banner, and the dashboard's one-line summary while the dashboard is folded."""
        from ..figures import dashboard_summary

        text = self.app.banner_text(short=self.has_class("-narrow"))
        if not self.query_one(Dashboard).display:
            summary = dashboard_summary(self.app.session, self.app.daily_budget())
            text = f"{text}  [dim]{summary}[/]"
        self.query_one("#banner", Static).update(text, layout=False)

    @on(Select.Changed, "#strategy")
    def strategy_changed(self, event: Select.Changed) -> None:
        self.app.strategy = str(event.value)
        warn_if_unready(self, self.app.strategy)
        target = self.query_one("#target", Select)
        target.set_options(self.app.target_options())
        target.value = self.app.target
        self.app.save_state()

    @on(Select.Changed, "#target")
    def target_changed(self, event: Select.Changed) -> None:
        self.app.target = str(event.value)
        self.app.save_state()

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
        if self.running():
            self.notify("a request is still running: Ctrl+C cancels it", severity="warning")
            return
        session = self.app.session
        session.remember_prompt(event.text)
        editor = self.query_one(PromptEditor)
        editor.remember(session.prompts)
        editor.load_text("")
        session.draft = ""
        self.app.save_state()
        self.run_request(event.text, self.app.build_request(event.text))

    def running(self) -> bool:
        return any(w.is_running and w.group == "run" for w in self.workers)

    @work(exclusive=True, group="run", exit_on_error=False, description="run a request")
    async def run_request(self, prompt: str, request: Request) -> None:
        board = self.query_one(PaneBoard)
        await board.reset()
        self.turn = await self.query_one(Transcript).add_turn(Turn(prompt))
        turn = self.turn
        try:
            async for event in self.app.engine.run(request):
                await board.handle(event)
                self.on_engine_event(event, request, turn)
        except OrchError as error:
            turn.finish(Turn(prompt, status="error", error=str(error)))
            self.notify(str(error), severity="error", timeout=8)
        except asyncio.CancelledError:
            board.mark_unfinished("cancelled")
            turn.finish(Turn(prompt, status="cancelled", error="cancelled"))
            raise
        finally:
            self.refresh_dashboard()

    def on_engine_event(self, event: ev.Event, request: Request, turn: TurnView) -> None:
        session = self.app.session
        if isinstance(event, ev.Note):
            self.notify(event.message, timeout=5)
        elif isinstance(event, ev.AttemptFinished):
            session.add_attempt(event.attempt)
            self.refresh_dashboard()
        elif isinstance(event, ev.ResultReady):
            session.add_result(request.prompt, event.result)
            session.last_history_id = event.result.history_id
            turn.finish(Turn.from_result(request.prompt, event.result))
            self.warn_about_budgets()
            if not event.result.success:
                self.notify(event.result.error or "no answer", severity="error")

    def action_interrupt(self) -> None:
        """Ctrl+C: cancel the request in flight; with none, copy the editor's selection (as
        the editor's own Ctrl+C does), else say how to quit."""
        if self.running():
            self.action_cancel()
            return
        editor = self.query_one(PromptEditor)
        if self.focused is editor and editor.selected_text:
            editor.action_copy()
        else:
            self.notify("nothing to cancel (Ctrl+Q quits)", timeout=3)

    def action_cancel(self) -> None:
        running = [w for w in self.workers.cancel_group(self, "run") if w.is_running]
        if running:
            self.notify("cancelled; what was already used is recorded")

    def action_back(self) -> None:
        """Escape: restore a maximized pane, else back to the prompt, else cancel."""
        editor = self.query_one(PromptEditor)
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not editor:
            editor.focus()
        else:
            self.action_cancel()

    def action_focus_panes(self) -> None:
        pane = self.query_one(PaneBoard).focused_pane()
        if pane is not None:
            pane.focus()
        else:
            self.focus_next()

    def action_maximize_pane(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        pane = self.query_one(PaneBoard).focused_pane()
        if pane is None:
            self.notify("no answer on the board yet", severity="warning")
            return
        pane.focus()
        self.maximize(pane, container=False)

    def action_copy_answer(self) -> None:
        pane = self.query_one(PaneBoard).focused_pane()
        if pane is None:
            self.notify("no answer to copy yet", severity="warning")
        else:
            pane.action_copy_answer()

    def action_copy_code(self) -> None:
        pane = self.query_one(PaneBoard).focused_pane()
        if pane is None:
            self.notify("no answer to copy yet", severity="warning")
        else:
            pane.action_copy_code()

    def action_toggle_dashboard(self) -> None:
        dashboard = self.query_one(Dashboard)
        self.dashboard_choice = not dashboard.display
        self.fit_layout()

    def action_rate(self, verdict: str) -> None:
        """Rate the answer on screen (the signal `orch router train --from-history` learns)."""
        from ..rating import rate_on_screen

        rate_on_screen(self, verdict)

    async def action_new_conversation(self) -> None:
        if self.running():
            self.action_cancel()
        self.app.session.new_conversation()
        self.turn = None
        await self.query_one(Transcript).clear()
        await self.query_one(PaneBoard).reset()
        self.query_one(PromptEditor).focus()
        self.notify("new conversation")

    @on(TurnView.Opened)
    def open_turn(self, event: TurnView.Opened) -> None:
        from .history import RequestScreen

        self.app.push_screen(RequestScreen(event.history_id))

    async def show_conversation(self, conversation_id: str) -> None:
        """Reopen a past conversation: its turns in the transcript, the last one's panes on
        the board as they ended, and the next prompt follows it up."""
        from ...store.conversations import conversation_messages, conversation_turns
        from ...store.history import get_request
        from ..reopen import show_request

        try:  # a turn logged without its text cannot be followed up
            messages = conversation_messages(self.app.db, conversation_id)
        except OrchError as error:
            self.notify(str(error), severity="error", timeout=8)
            return
        rows = conversation_turns(self.app.db, conversation_id)
        records = [r for r in (get_request(self.app.db, row["id"]) for row in rows) if r]
        session = self.app.session
        session.new_conversation()
        session.conversation_id = conversation_id
        session.conversation = messages
        transcript = self.query_one(Transcript)
        await transcript.clear()
        for index, record in enumerate(records):
            await transcript.add_turn(Turn.from_record(record), current=index == len(records) - 1)
        board = self.query_one(PaneBoard)
        await board.reset()
        if records:  # its answers can be rated as if just shown (F8/F9)
            session.last_result = await show_request(board, records[-1])
            session.last_history_id = records[-1]["id"]
        self.query_one(PromptEditor).focus()

    def on_descendant_focus(self, event) -> None:
        if isinstance(event.widget, ModelPane) and self.maximized is not None:
            self.maximize(event.widget, container=False)

    def warn_about_budgets(self) -> None:
        """Show the budget warnings and notes (see frontend.budget_warnings)."""
        from ...frontend import budget_warnings

        for level, text in budget_warnings(self.app.db, self.app.engine):
            self.notify(
                text, severity="warning" if level == "warning" else "information", timeout=8
            )

    def refresh_dashboard(self) -> None:
        dashboard = self.query_one(Dashboard)
        budget = self.app.daily_budget()
        dashboard.update_session(self.app.session)
        dashboard.update_budget(budget)
        self.show_banner()

    def keep_draft(self) -> None:
        """Before the app closes: what is in the editor is kept for the next start."""
        self.app.session.draft = self.query_one(PromptEditor).text
