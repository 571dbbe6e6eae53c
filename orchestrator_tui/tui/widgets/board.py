"""The panes of the current turn: one per model, created as the engine routes and escalates,
and fed the events of their own attempt. Side by side while each pane gets at least
`MIN_PANE_WIDTH` columns; narrower, they become tabs (one answer at the full width, digits,
Left/Right or Tab switch)."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.widgets import Static

from ...engine import events as ev
from ...engine.details import Agreement, EnsembleVerdict
from ..figures import verdict_note
from .pane import ModelPane

MIN_PANE_WIDTH = 32
# How often streamed text reaches the screen, every pane in the same frame. Measured in tmux
# (tests/benchmarks/tui_echo.py): fewer, shared frames leave room for the keys being typed.
FLUSH_SECONDS = 0.2
TAB_MARKS = {"done": "✓", "queued": "·", "waiting": "…", "streaming": "…", "cancelled": "✗"}


class PaneBoard(Vertical):
    BINDINGS = [
        *[Binding(str(n), f"show_pane({n - 1})", show=False) for n in range(1, 10)],
        Binding("left", "step_pane(-1)", "Previous pane", show=False),
        Binding("right", "step_pane(1)", "Next pane", show=False),
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.panes: dict[int, ModelPane] = {}  # attempt id → its pane
        self.strategy: str | None = None
        self.tabs = False  # one pane at a time
        self.active = 0  # the pane shown in tabs mode

    def compose(self):
        yield Static("", id="tab-strip")
        yield Grid(id="pane-grid")

    def on_mount(self) -> None:
        self.set_interval(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        for pane in self.all_panes():
            pane.flush()

    @property
    def grid(self) -> Grid:
        return self.query_one("#pane-grid", Grid)

    def all_panes(self) -> list[ModelPane]:
        return list(self.grid.query_children(ModelPane))

    async def reset(self) -> None:
        self.panes = {}
        self.strategy = None
        self.active = 0
        await self.grid.remove_children()
        self.fit_columns()

    def on_resize(self, event) -> None:
        self.fit_columns(event.size.width)

    def fit_columns(self, width: int | None = None) -> None:
        """Columns while every pane fits; tabs when they would not."""
        panes = self.all_panes()
        width = self.size.width if width is None else width
        fit = max(1, width // MIN_PANE_WIDTH) if width else 2
        self.tabs = len(panes) > fit
        self.grid.styles.grid_size_columns = 1 if self.tabs else max(1, len(panes))
        self.set_class(self.tabs, "-tabs")
        self.show_active()

    def show_active(self) -> None:
        panes = self.all_panes()
        self.active = min(self.active, max(0, len(panes) - 1))
        for index, pane in enumerate(panes):
            pane.display = not self.tabs or index == self.active
        self.refresh_tabs()

    def refresh_tabs(self) -> None:
        if not self.tabs:
            return
        panes = self.all_panes()
        strip = self.query_one("#tab-strip", Static)
        room = (strip.content_size.width or self.size.width) // max(1, len(panes)) - 6
        labels = []
        for index, pane in enumerate(panes):
            mark = "★" if pane.has_class("-winner") else tab_mark(pane)
            label = f" {index + 1} {shorten(pane.model, room)} {mark} "
            labels.append(f"[reverse]{label}[/]" if index == self.active else label)
        strip.update("│".join(labels), layout=False)

    def action_show_pane(self, index: int) -> None:
        panes = self.all_panes()
        if 0 <= index < len(panes):
            self.active = index
            self.show_active()
            panes[index].focus()

    def action_step_pane(self, step: int) -> None:
        panes = self.all_panes()
        if panes:
            self.action_show_pane((self.current_index() + step) % len(panes))

    def current_index(self) -> int:
        focused = self.screen.focused
        panes = self.all_panes()
        return panes.index(focused) if focused in panes else self.active

    def on_descendant_focus(self, event) -> None:
        panes = self.all_panes()
        if event.widget in panes and panes.index(event.widget) != self.active:
            self.active = panes.index(event.widget)
            self.show_active()

    def focused_pane(self) -> ModelPane | None:
        """The pane the reader is on: the focused one, else the one shown (or the first)."""
        focused = self.screen.focused
        if isinstance(focused, ModelPane):
            return focused
        panes = self.all_panes()
        return panes[self.active] if panes else None

    async def add_pane(self, model: str, provider: str = "") -> ModelPane:
        pane = ModelPane(model, provider, classes="pane")
        await self.grid.mount(pane)
        self.fit_columns()
        return pane

    async def handle(self, event: ev.Event) -> None:
        handler = getattr(self, "on_engine_" + type(event).__name__, None)
        if handler is not None:
            await handler(event)
            self.refresh_tabs()

    async def on_engine_RoutingDecided(self, event: ev.RoutingDecided) -> None:
        self.strategy = event.strategy
        if event.strategy == "ensemble":  # every member shows at once, queued
            for model in event.models:
                await self.add_pane(model)

    async def on_engine_AttemptStarted(self, event: ev.AttemptStarted) -> None:
        waiting = [
            p for p in self.all_panes() if p.model == event.model and p not in self.panes.values()
        ]
        pane = waiting[0] if waiting else await self.add_pane(event.model, event.provider)
        self.panes[event.attempt_id] = pane
        pane.set_status("waiting", event.provider)
        if self.strategy != "ensemble" and self.tabs:  # an escalation: show the new model
            self.action_show_pane(self.all_panes().index(pane))

    async def on_engine_TextDelta(self, event: ev.TextDelta) -> None:
        self.panes[event.attempt_id].write(event.text)

    async def on_engine_RetryScheduled(self, event: ev.RetryScheduled) -> None:
        await self.panes[event.attempt_id].restart(
            f"retrying in {event.wait:.1f} s ({event.reason})"
        )

    async def on_engine_RateLimitWait(self, event: ev.RateLimitWait) -> None:
        self.panes[event.attempt_id].set_status(f"waiting {event.wait:.1f} s (rate limit)")

    async def on_engine_AttemptFinished(self, event: ev.AttemptFinished) -> None:
        await self.panes[event.attempt.attempt_id].finish(event.attempt)

    async def on_engine_Escalated(self, event: ev.Escalated) -> None:
        pane = self.last_pane_of(event.from_model)
        if pane is not None:
            pane.set_note(escalation_note(event.to_model, event.reason))

    async def on_engine_ResultReady(self, event: ev.ResultReady) -> None:
        result = event.result
        self.show_verdict(result.detail(EnsembleVerdict), result.detail(Agreement))

    def show_verdict(self, verdict: EnsembleVerdict | None, agreement: Agreement | None) -> None:
        """Mark the accepted answer, with the ensemble's scores and the consensus."""
        for pane in self.panes.values():
            note = verdict_note(pane.attempt, verdict, agreement)
            if note is None:
                continue
            accepted = getattr(pane.attempt, "accepted", False)
            pane.set_note(note, winner=accepted)
            if accepted and self.tabs:
                self.active = self.all_panes().index(pane)
                self.show_active()

    def mark_unfinished(self, status: str) -> None:
        """After a cancel: panes still waiting or streaming say so (the engine recorded them)."""
        for pane in self.all_panes():
            if pane.attempt is None:
                pane.set_status(status)
        self.refresh_tabs()

    def last_pane_of(self, model: str) -> ModelPane | None:
        matches = [p for p in self.panes.values() if p.model == model]
        return matches[-1] if matches else None


def escalation_note(to_model: str | None, reason: str) -> str:
    target = f"escalated to {to_model}" if to_model else "no model left"
    return f"↳ {target}: {reason}"


def shorten(name: str, room: int) -> str:
    """`name` in at most `room` characters (at least 4), cut with an ellipsis."""
    room = max(4, room)
    return name if len(name) <= room else name[: room - 1] + "…"


def tab_mark(pane: ModelPane) -> str:
    if pane.attempt is not None and pane.attempt.status not in ("ok", "cancelled"):
        return "!"
    return TAB_MARKS.get(pane.status, "…")
