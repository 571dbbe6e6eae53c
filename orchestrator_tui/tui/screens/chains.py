"""The chain editor, keyboard only: reorder, add (fuzzy, among the models not yet in the
chain, with their prices), remove, set the threshold, save under a name in config.toml, and
use the chain at once. Escape asks before it throws unsaved edits away."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...formatting import price_text
from ...locations import default_config_path
from ..config_writer import save_chain
from ..figures import price_label
from .dialogs import AskValue, Confirm, PickModel

if TYPE_CHECKING:
    from ..app import OrchApp


class ChainEditorScreen(Screen):
    if TYPE_CHECKING:
        app: OrchApp  # the app this screen runs in, with its engine, settings and database

    BINDINGS = [
        Binding("shift+up,K", "move(-1)", "Move up", id="chain_up"),
        Binding("shift+down,J", "move(1)", "Move down", id="chain_down"),
        Binding("a", "add", "Add", id="chain_add"),
        Binding("x,delete", "remove", "Remove", id="chain_remove"),
        Binding("t", "threshold", "Threshold", id="chain_threshold"),
        Binding("s", "save", "Save", id="chain_save"),
        Binding("u", "use", "Use now", id="chain_use"),
        Binding("escape", "back", "Back", id="chain_back"),
    ]

    def __init__(self, chain: str):
        super().__init__()
        self.chain_name = chain
        self.models: list[str] = []
        self.threshold = 0.6

    def compose(self):
        yield Static("", id="chain-title")
        yield DataTable(cursor_type="row", id="chain-table")
        yield Static(
            "[dim]shift+↑/↓ move · a add · x remove · t threshold · s save · "
            "u use now · esc back[/]",
            id="chain-hints",
        )
        yield Footer()

    def on_mount(self) -> None:
        settings, registry = self.app.settings, self.app.engine.registry
        self.models = list(registry.chains.get(self.chain_name, []))
        self.threshold = settings.chain_thresholds.get(self.chain_name, settings.threshold)
        table = self.query_one(DataTable)
        table.add_columns("#", "model", "provider", "tier", "$ in/M", "$ out/M")
        self.redraw()
        table.focus()

    def redraw(self, cursor: int | None = None) -> None:
        registry = self.app.engine.registry
        self.query_one("#chain-title", Static).update(
            f"[b]chain {self.chain_name}[/b]  ·  escalate below confidence "
            f"[b]{self.threshold:.2f}[/b]  ·  {len(self.models)} models, tried in this order"
        )
        table = self.query_one(DataTable)
        table.clear()
        for index, name in enumerate(self.models, 1):
            model = registry.models[name]
            table.add_row(
                str(index),
                name,
                model.provider,
                model.tier,
                price_text(model.prices.input),
                price_text(model.prices.output),
            )
        if cursor is not None and self.models:
            table.move_cursor(row=max(0, min(cursor, len(self.models) - 1)))

    def cursor(self) -> int:
        return self.query_one(DataTable).cursor_row

    def action_move(self, step: int) -> None:
        index = self.cursor()
        target = index + step
        if 0 <= index < len(self.models) and 0 <= target < len(self.models):
            self.models[index], self.models[target] = self.models[target], self.models[index]
            self.redraw(cursor=target)

    def action_remove(self) -> None:
        if self.models:
            index = self.cursor()
            del self.models[index]
            self.redraw(cursor=index)

    def action_add(self) -> None:
        registry = self.app.engine.registry

        def describe(name: str) -> str:
            model = registry.models[name]
            prices = price_label(model.prices.input, model.prices.output)
            return f"{model.provider} · {model.tier} · {prices}"

        def added(name: str | None) -> None:
            if name:
                self.models.insert(self.cursor() + 1 if self.models else 0, name)
                self.redraw(cursor=self.models.index(name))

        left = [name for name in registry.models if name not in self.models]
        self.app.push_screen(PickModel(left, describe), added)

    def saved(self) -> tuple[list[str], float]:
        """The chain as saved (or as it came): its models and threshold."""
        settings = self.app.settings
        models = list(self.app.engine.registry.chains.get(self.chain_name, []))
        return models, settings.chain_thresholds.get(self.chain_name, settings.threshold)

    def has_edits(self) -> bool:
        return (self.models, self.threshold) != self.saved()

    def action_back(self) -> None:
        """Escape: back to the main screen, after asking if that throws edits away."""
        if not self.has_edits():
            self.app.pop_screen()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        question = f"Throw away your unsaved edits to chain {self.chain_name}? (s saves them)"
        self.app.push_screen(Confirm(question), answered)

    def action_threshold(self) -> None:
        def entered(value: str | None) -> None:
            try:
                number = float(value) if value is not None else None
            except ValueError:
                number = None
            if number is None or not 0 <= number <= 1:
                if value is not None:
                    self.notify("the threshold is a number from 0 to 1", severity="error")
                return
            self.threshold = number
            self.redraw(cursor=self.cursor())

        self.app.push_screen(
            AskValue("confidence threshold (0–1)", f"{self.threshold:.2f}"), entered
        )

    def action_save(self) -> None:
        def named(name: str | None) -> None:
            if name:
                self.save_as(name)

        self.app.push_screen(AskValue("save the chain as", self.chain_name), named)

    def save_as(self, name: str) -> None:
        if not self.models:
            self.notify("a chain needs at least one model", severity="error")
            return
        path = self.app.config_path or default_config_path()
        save_chain(path, name, self.models, self.threshold)
        self.app.settings.chains[name] = list(self.models)
        self.app.settings.chain_thresholds[name] = self.threshold
        self.app.engine.registry.chains[name] = list(self.models)
        self.chain_name = name
        self.redraw(cursor=self.cursor())
        self.notify(f"saved chain {name} in {path}")

    def action_use(self) -> None:
        name = self.chain_name
        if self.app.engine.registry.chains.get(name) != self.models:
            name = self.chain_name + "*"  # unsaved edits: use them for this session only
            self.app.engine.registry.chains[name] = list(self.models)
        self.app.settings.chain_thresholds[name] = self.threshold
        self.app.use_chain(name)
        self.app.pop_screen()
        self.notify(f"using chain {name}")
