"""The orch TUI application: builds the engine (with the history ledger and cache) once, holds
the session, and keeps what should survive a restart (theme, strategy, target, prompts, the
unsent draft) in a state file beside the config; screens do the rest."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..engine import Engine, Request
from ..engine.strategies import strategy_names, strategy_specs
from .screens.main import MainScreen
from .session import Session

AnyScreen = TypeVar("AnyScreen", bound=Screen)


class OrchApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "orch"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit")]

    def __init__(
        self,
        settings=None,
        db=None,
        config_path: Path | None = None,
        demo: bool | None = None,
        clock=time.perf_counter,
        state_path: Path | None = None,
        calm_gc: bool = False,
    ):
        super().__init__()
        from ..frontend import load_settings

        self.settings = settings or load_settings(config_path)[0]
        self.config_path = config_path
        self.db = db
        self.engine = self.build_engine(demo, clock)
        self.session = Session()
        self.strategy = "ensemble"  # side-by-side comparison is what the TUI is for
        self.target = f"chain:{self.settings.default_chain}"
        self.other_target: str | None = None  # the chain (or model) to return to
        self.state_path = state_path
        self.state_warned = False
        self.calm_gc = calm_gc  # the process is the app's alone (not a test run)
        self.restore_state()

    def restore_state(self) -> None:
        """What the last session left: kept only where it still names something that exists."""
        from .saved_state import load_state

        if self.state_path is None:
            return
        state = load_state(self.state_path)
        registry = self.engine.registry
        if state.strategy in strategy_names():
            self.strategy = state.strategy
        target = state.target or ""
        kind, _, name = target.partition(":")
        if (kind == "chain" and name in registry.chains) or (
            kind == "model" and name in registry.models
        ):
            self.target = target
        if state.theme in self.available_themes:
            self.theme = state.theme
        self.session.prompts = list(state.prompts)
        self.session.draft = state.draft

    def save_state(self) -> None:
        from .saved_state import TuiState, save_state

        if self.state_path is None:
            return
        session = self.session
        state = TuiState(
            theme=self.theme,
            strategy=self.strategy,
            target=self.target,
            prompts=session.prompts,
            draft=session.draft,
        )
        why_not = save_state(self.state_path, state)
        if why_not and not self.state_warned:  # once a session is enough
            self.state_warned = True
            self.notify(f"settings not kept for the next start: {why_not}", severity="warning")

    def watch_theme(self, theme: str) -> None:
        if self.is_running:
            self.save_state()

    def build_engine(self, demo, clock) -> Engine:
        from ..frontend import build_engine
        from ..store.db import open_db

        self.db = self.db or open_db()
        return build_engine(self.settings, db=self.db, demo=demo, clock=clock)

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        # SDK imports in a thread once the first frame is up, not on the loop at the first send
        self.call_after_refresh(self.engine.warm_up)
        self.call_after_refresh(import_soon)
        if self.calm_gc:
            self.call_after_refresh(self.calm_garbage_collector)

    def banner_text(self, short: bool = False) -> str:
        if self.engine.demo:
            if short:  # the dashboard's summary follows
                return "[b black on yellow] DEMO [/]"
            return (
                "[b black on yellow] DEMO [/] no API key found: simulated answers, "
                "priced as the real models would charge"
            )
        if short:
            return "[b]orch[/b]"
        return f"[b]orch[/b]  keys: {', '.join(self.providers_with_keys())}"

    def providers_with_keys(self) -> list[str]:
        registry = self.engine.registry
        return [name for name in registry.providers if registry.has_credentials(name)]

    def target_options(self) -> list[tuple[str, str]]:
        """Models for `single`, chains for the others; keeps the target one of them."""
        registry = self.engine.registry
        if self.strategy == "single":
            options = [(f"model {name}", f"model:{name}") for name in registry.models]
        else:
            options = [
                (f"chain {name} ({len(models)})", f"chain:{name}")
                for name, models in registry.chains.items()
            ]
        kind = "model:" if self.strategy == "single" else "chain:"
        if not self.target.startswith(kind):
            self.target, self.other_target = self.other_target or options[0][1], self.target
        return options

    def build_request(self, prompt: str) -> Request:
        """The next prompt, in the conversation so far, to the chosen model or chain."""
        from ..frontend import request_from_options
        from ..store.conversations import new_conversation_id

        kind, _, name = self.target.partition(":")
        session = self.session
        session.conversation_id = session.conversation_id or new_conversation_id()
        target = {"model": name} if kind == "model" else {"chain": name}
        return request_from_options(
            prompt,
            strategy=self.strategy,
            **target,
            history=list(session.conversation),
            conversation_id=session.conversation_id,
        )

    def daily_budget(self):
        from ..store.budgets import budget_states

        states = budget_states(self.db, self.settings, demo=False)  # as `orch budget`
        return next((s for s in states if s.period == "daily"), None)

    def action_chains(self) -> None:
        from .screens.chains import ChainEditorScreen

        self.push_screen(ChainEditorScreen(self.current_chain()))

    def action_history(self) -> None:
        from .screens.history import HistoryScreen

        self.push_screen(HistoryScreen())

    def action_conversations(self) -> None:
        from .screens.conversations import ConversationsScreen

        self.push_screen(ConversationsScreen())

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def current_chain(self) -> str:
        kind, _, name = self.target.partition(":")
        return name if kind == "chain" else self.settings.default_chain

    def use_chain(self, name: str) -> None:
        """Make a (possibly new) chain the target of the next request."""
        self.target = f"chain:{name}"
        if self.strategy == "single":
            self.strategy = "fallback"
        main = self.get_screen_of(MainScreen)
        if main is not None:
            main.sync_controls()

    def get_screen_of(self, kind: type[AnyScreen]) -> AnyScreen | None:
        return next((s for s in self.screen_stack if isinstance(s, kind)), None)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Chain editor", "Edit, reorder and save fallback chains (F2)", self.action_chains
        )
        yield SystemCommand("History", "Browse and search past requests (F3)", self.action_history)
        yield SystemCommand(
            "Conversations", "Reopen a past conversation (F5)", self.action_conversations
        )
        yield SystemCommand("Help", "Every key binding (F1)", self.action_help)
        main = self.get_screen_of(MainScreen)
        if main is not None:
            yield from main_screen_commands(main)

    @work(group="calm-gc", exit_on_error=False, description="calm the garbage collector")
    async def calm_garbage_collector(self) -> None:
        """What exists once the app is up and its SDKs are imported lives as long as the app:
        out of the collector's sight (`gc.freeze`), and young collections rarer. Measured in
        tmux while three panes stream: a full collection of the SDKs' objects took 120–140 ms
        on the event loop, the worst key echo (tests/benchmarks/tui_echo.py)."""
        gc.freeze()
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(GEN0_THRESHOLD, older, oldest)
        await self.engine.warmed_up()
        gc.freeze()

    async def on_unmount(self) -> None:
        await self.engine.aclose()

    async def action_quit(self) -> None:
        main = self.get_screen_of(MainScreen)
        if main is not None:
            main.keep_draft()
        self.save_state()
        await super().action_quit()


GEN0_THRESHOLD = 50_000


def import_soon() -> None:
    """What the first frame does without, imported in a thread once it is up: Textual's
    Markdown, which the first answer needs (45 ms of start-up otherwise)."""
    import threading

    def load() -> None:
        import textual.widgets._markdown  # noqa: F401

    threading.Thread(target=load, daemon=True, name="orch-import-soon").start()


def main_screen_commands(main: MainScreen) -> Iterable[SystemCommand]:
    """Every main-screen action that has a key, and every strategy."""
    actions = [
        ("New conversation", "Forget the conversation so far (Ctrl+N)", "new_conversation"),
        ("Cancel", "Stop the request in flight (Ctrl+C)", "cancel"),
        (
            "Maximize pane",
            "The focused answer fills the screen; again restores (F6, z)",
            "maximize_pane",
        ),
        ("Copy answer", "Copy the focused answer to the clipboard (F7, y)", "copy_answer"),
        ("Copy code block", "Copy the focused answer's last code block (Shift+F7, c)", "copy_code"),
        ("Toggle dashboard", "Show or fold the session dashboard (Ctrl+B)", "toggle_dashboard"),
        ("Rate good", "Rate the answer on screen good (F8)", "rate('good')"),
        ("Rate bad", "Rate the answer on screen bad (F9)", "rate('bad')"),
    ]
    for title, help_text, action in actions:
        yield SystemCommand(title, help_text, partial(main.app.run_action, action, main))
    for spec in strategy_specs():
        yield SystemCommand(
            f"Strategy: {spec.name}",
            f"Route the next prompt with {spec.name}: {spec.description}",
            partial(main.set_strategy, spec.name),
        )


def run_tui(config_path: Path | None = None, demo: bool | None = None) -> None:
    from .saved_state import state_path

    app = OrchApp(
        config_path=config_path, demo=demo, state_path=state_path(config_path), calm_gc=True
    )
    try:
        app.run()
    finally:
        if app.db is not None:  # the store's writer thread is closed by the CLI's exit
            app.db.close()
