"""Shared pieces for the TUI tests: a deterministic app on the demo provider."""

from __future__ import annotations

import asyncio
import weakref

from orchestrator_tui.providers.demo import DemoProvider
from orchestrator_tui.store.db import open_db
from orchestrator_tui.tui.app import OrchApp
from orchestrator_tui.tui.widgets.prompt import PromptEditor

from .conftest import fast_settings

SIZE = (150, 45)


class TickClock:
    """A clock that advances a fixed step per reading, counted per asyncio task: latencies
    are the same every run, however concurrent calls interleave."""

    def __init__(self, step: float = 0.25):
        self.readings: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.outside_tasks = 0
        self.step = step

    def __call__(self) -> float:
        task = asyncio.current_task() if has_running_loop() else None
        if task is None:
            self.outside_tasks += 1
            return self.outside_tasks * self.step
        self.readings[task] = self.readings.get(task, 0) + 1
        return self.readings[task] * self.step


def has_running_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class GatedDemo(DemoProvider):
    """The demo provider, except that `held` models stop after their first chunk until
    `release` is set: a run caught in the middle, for tests."""

    def __init__(self, held: set[str]):
        super().__init__(speed=0)
        self.held = held
        self.release = asyncio.Event()

    async def stream(self, model, params):
        async for index, part in aenumerate(super().stream(model, params)):
            yield part
            if model.name in self.held and index == 1:
                await self.release.wait()


async def aenumerate(iterator):
    index = 0
    async for item in iterator:
        yield index, item
        index += 1


def make_app(tmp_path, config_path=None, **settings_changes) -> OrchApp:
    settings = fast_settings(**settings_changes)
    db = open_db(tmp_path / "orch.db")
    return OrchApp(settings=settings, db=db, config_path=config_path, demo=True,
                   clock=TickClock())


async def send(pilot, prompt: str, wait: bool = True) -> None:
    editor = pilot.app.screen.query_one(PromptEditor)
    editor.load_text(prompt)
    await pilot.press("ctrl+j")
    if wait:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.1)


def steady(app) -> None:
    """No blinking cursors in screenshots."""
    for editor in app.screen.query(PromptEditor):
        editor.cursor_blink = False


FIXED_TIMESTAMP = 1_795_600_000.0  # 2026-11-25, so the history screen looks the same each run


async def scenario_ensemble(pilot) -> None:
    await send(pilot, "What is the capital of France?")
    steady(pilot.app)


async def scenario_fallback_midway(pilot) -> None:
    app = pilot.app
    app.engine._providers["demo"] = GatedDemo(held={"gpt-6-luna"})
    app.screen.set_strategy("fallback")
    await send(pilot, "Prove that sqrt 2 is irrational", wait=False)
    for _ in range(100):
        await pilot.pause(0.05)
        if any(p.model == "gpt-6-luna" and p.status == "streaming"
               for p in app.screen.query("ModelPane")):
            break
    steady(app)


async def scenario_consensus(pilot) -> None:
    """The two cheapest models agree, in different words: no third model is asked."""
    pilot.app.screen.set_strategy("consensus")
    await send(pilot, "What is the capital of France?")
    steady(pilot.app)


async def scenario_chain_editor(pilot) -> None:
    await pilot.press("f2")
    await pilot.pause(0.1)


async def scenario_history(pilot) -> None:
    app = pilot.app
    app.screen.set_strategy("single")
    await send(pilot, "What is the capital of France?")
    await pilot.press("f8")  # rated good
    app.screen.set_strategy("cheapest")
    await send(pilot, "Design a rate limiter for an API gateway")
    app.db.execute("UPDATE requests SET timestamp = ? + id * 60", (FIXED_TIMESTAMP,))
    await pilot.press("f3")
    await pilot.pause(0.1)


SCENARIOS = {"ensemble": scenario_ensemble, "fallback": scenario_fallback_midway,
             "consensus": scenario_consensus,
             "chain-editor": scenario_chain_editor, "history": scenario_history}
