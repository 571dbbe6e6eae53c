"""The panes, side by side: one per model, created as the engine routes and escalates, and
fed the events of their own attempt."""

from __future__ import annotations

from textual.containers import Grid

from ...engine import events as ev
from ...engine.details import Agreement, EnsembleVerdict
from ..figures import verdict_note
from .pane import ModelPane

MIN_PANE_WIDTH = 32


class PaneBoard(Grid):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.panes: dict[int, ModelPane] = {}
        self.strategy: str | None = None

    async def reset(self) -> None:
        self.panes = {}
        self.strategy = None
        await self.remove_children()

    def on_resize(self) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        count = len(self.children) or 1
        fit = max(1, self.size.width // MIN_PANE_WIDTH) if self.size.width else 2
        self.styles.grid_size_columns = max(1, min(count, fit))

    async def add_pane(self, model: str, provider: str = "") -> ModelPane:
        pane = ModelPane(model, provider, classes="pane")
        await self.mount(pane)
        self.fit_columns()
        return pane

    async def handle(self, event: ev.Event) -> None:
        handler = getattr(self, "on_engine_" + type(event).__name__, None)
        if handler is not None:
            await handler(event)

    async def on_engine_RoutingDecided(self, event: ev.RoutingDecided) -> None:
        self.strategy = event.strategy
        if event.strategy == "ensemble":  # every member shows at once, queued
            for model in event.models:
                await self.add_pane(model)

    async def on_engine_AttemptStarted(self, event: ev.AttemptStarted) -> None:
        waiting = [
            p
            for p in self.children
            if isinstance(p, ModelPane) and p.model == event.model and p not in self.panes.values()
        ]
        pane = waiting[0] if waiting else await self.add_pane(event.model, event.provider)
        self.panes[event.attempt_id] = pane
        pane.set_status("waiting", event.provider)

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
            target = f"escalated to {event.to_model}" if event.to_model else "no model left"
            pane.set_note(f"↳ {target}: {event.reason}")

    async def on_engine_ResultReady(self, event: ev.ResultReady) -> None:
        result = event.result
        verdict = result.detail(EnsembleVerdict)
        agreement = result.detail(Agreement)  # the consensus strategy's
        for pane in self.panes.values():
            note = verdict_note(pane.attempt, verdict, agreement)
            if note is not None:
                pane.set_note(note, winner=getattr(pane.attempt, "accepted", False))

    def mark_unfinished(self, status: str) -> None:
        """After a cancel: panes still waiting or streaming say so (the engine recorded them)."""
        for pane in self.query(ModelPane):
            if pane.attempt is None:
                pane.set_status(status)

    def last_pane_of(self, model: str) -> ModelPane | None:
        matches = [p for p in self.panes.values() if p.model == model]
        return matches[-1] if matches else None
