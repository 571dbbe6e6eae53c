"""The orch TUI application: builds the engine (with the history ledger and cache) once, and
holds the session; screens do the rest."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..engine import Engine, Request
from ..engine.strategies import strategy_specs
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

    def build_engine(self, demo, clock) -> Engine:
        from ..frontend import build_engine
        from ..store.db import open_db

        self.db = self.db or open_db()
        return build_engine(self.settings, db=self.db, demo=demo, clock=clock)

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        # SDK imports in a thread once the first frame is up, not on the loop at the first send
        self.call_after_refresh(self.engine.warm_up)

    def banner_text(self) -> str:
        if self.engine.demo:
            return (
                "[b black on yellow] DEMO [/] no API key found: the demo provider gives "
                "simulated answers, priced as the real models would charge"
            )
        return f"[b]orch[/b]  providers with keys: {', '.join(self.providers_with_keys())}"

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

        kind, _, name = self.target.partition(":")
        session = self.session
        session.conversation_id = session.conversation_id or uuid.uuid4().hex
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
        yield SystemCommand("Help", "Every key binding (F1)", self.action_help)
        main = self.get_screen_of(MainScreen)
        if main is not None:
            yield SystemCommand(
                "New conversation",
                "Forget the conversation so far (Ctrl+N)",
                main.action_new_conversation,
            )
            yield SystemCommand("Cancel", "Stop the request in flight (Escape)", main.action_cancel)
            for spec in strategy_specs():
                yield SystemCommand(
                    f"Strategy: {spec.name}",
                    f"Route the next prompt with {spec.name}: {spec.description}",
                    lambda s=spec.name: main.set_strategy(s),
                )

    async def on_unmount(self) -> None:
        await self.engine.aclose()


def run_tui(config_path: Path | None = None, demo: bool | None = None) -> None:
    app = OrchApp(config_path=config_path, demo=demo)
    try:
        app.run()
    finally:
        if app.db is not None:  # the store's writer thread is closed by the CLI's exit
            app.db.close()
