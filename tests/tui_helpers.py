"""Shared pieces for the TUI tests: a deterministic app on the demo provider, and waits for
conditions (never for an assumed amount of time)."""

from __future__ import annotations

import asyncio
import time
import weakref

from orchestrator_tui.config import Settings
from orchestrator_tui.providers.demo import DemoProvider
from orchestrator_tui.store.db import open_db
from orchestrator_tui.store.history import list_requests
from orchestrator_tui.tui.app import OrchApp
from orchestrator_tui.tui.screens.chains import ChainEditorScreen
from orchestrator_tui.tui.screens.history import HistoryScreen
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


def make_app(
    tmp_path, config_path=None, packaged=False, state_path=None, **settings_changes
) -> OrchApp:
    """The app on the demo provider, a tick clock and a cursor that does not blink (a blink
    phase would differ between two screenshots of the same screen). `packaged`: on the
    packaged registry, as a user sees it (the README's screenshots), not the tests' own."""
    changes = {"cursor_blink": False, **settings_changes}
    settings = Settings(demo_speed=0.0, **changes) if packaged else fast_settings(**changes)
    db = open_db(tmp_path / "orch.db")
    return OrchApp(
        settings=settings,
        db=db,
        config_path=config_path,
        demo=True,
        clock=TickClock(),
        state_path=state_path,
    )


async def wait_until(pilot, predicate, timeout: float = 30.0, what: str = "") -> None:
    """Let the app run until `predicate()` is true; fail after `timeout` seconds (generous:
    a loaded machine is slow, but never that slow)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what or predicate}"
        await pilot.pause(0.02)
    await pilot.pause()  # and whatever the change posted has been handled


async def settle(pilot) -> None:
    """Every worker has finished, every message it posted has been handled, and every
    answer's view is in place (at its end when it followed the stream)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    panes = pilot.app.screen.query("ModelPane")
    await wait_until(pilot, lambda: all(p.in_place() for p in panes), what="answers in place")


async def shown(pilot, kind, focused: bool = True):
    """Wait until a `kind` screen is on top with its `on_mount` done and, if `focused`, one of
    its widgets focused (so that keys reach it); return the screen."""
    app = pilot.app

    def ready() -> bool:
        screen = app.screen
        return (
            isinstance(screen, kind)
            and screen.is_mounted
            and (not focused or screen.focused is not None)
        )

    await wait_until(pilot, ready, what=f"the {kind.__name__}")
    return app.screen


async def use_strategy(pilot, strategy: str) -> None:
    """Choose a strategy in the selector and wait until the app has taken it."""
    pilot.app.screen.set_strategy(strategy)
    await wait_until(pilot, lambda: pilot.app.strategy == strategy, what=strategy)


async def send(pilot, prompt: str, wait: bool = True) -> None:
    """Type a prompt and send it; wait until its request is running, and if `wait`, done."""
    session = pilot.app.session
    sent = len(session.prompts)
    editor = pilot.app.screen.query_one(PromptEditor)
    editor.load_text(prompt)
    await pilot.press("ctrl+j")
    await wait_until(pilot, lambda: len(session.prompts) > sent, what="the prompt sent")
    if wait:
        await settle(pilot)


def streaming(app, model: str) -> bool:
    """`model`'s pane is streaming and shows all the text it was given."""
    return any(
        p.model == model and p.status == "streaming" and not p._pending and len(p.text) == p.chars
        for p in app.screen.query("ModelPane")
    )


FIXED_TIMESTAMP = 1_795_600_000.0  # 2026-11-25, so the history screen looks the same each run


async def scenario_ensemble(pilot) -> None:
    await send(pilot, "What is the capital of France?")


async def scenario_fallback_midway(pilot) -> None:
    app = pilot.app
    second = app.engine.registry.chain(app.settings.default_chain)[1].name  # held mid-answer
    app.engine._providers["demo"] = GatedDemo(held={second})
    await use_strategy(pilot, "fallback")
    await send(pilot, "Prove that sqrt 2 is irrational", wait=False)
    await wait_until(pilot, lambda: streaming(app, second), what=f"{second} streaming")


async def scenario_consensus(pilot) -> None:
    """The two cheapest models agree, in different words: no third model is asked."""
    await use_strategy(pilot, "consensus")
    await send(pilot, "What is the capital of France?")


async def scenario_chain_editor(pilot) -> None:
    await pilot.press("f2")
    await shown(pilot, ChainEditorScreen)


async def scenario_history(pilot) -> None:
    app = pilot.app
    await use_strategy(pilot, "single")
    await send(pilot, "What is the capital of France?")
    await pilot.press("f8")  # rated good
    await wait_until(
        pilot, lambda: list_requests(app.db)[0]["rating"] is not None, what="the rating"
    )
    await use_strategy(pilot, "cheapest")
    await send(pilot, "Design a rate limiter for an API gateway")
    app.db.execute("UPDATE requests SET timestamp = ? + id * 60", (FIXED_TIMESTAMP,))
    await pilot.press("f3")
    await shown(pilot, HistoryScreen)


async def scenario_two_turns(pilot) -> None:
    await send(pilot, "What is the capital of France?")
    await send(pilot, "Explain vector clocks with a python code example")


async def scenario_maximized(pilot) -> None:
    await send(pilot, "Explain vector clocks with a python code example")
    await pilot.press("tab", "z")
    await wait_until(pilot, lambda: pilot.app.screen.maximized is not None, what="maximized")


SCENARIOS = {
    "ensemble": scenario_ensemble,
    "fallback": scenario_fallback_midway,
    "consensus": scenario_consensus,
    "chain-editor": scenario_chain_editor,
    "history": scenario_history,
    "two-turns": scenario_two_turns,
    "maximized": scenario_maximized,
}
# The same screens in other terminal sizes: (scenario, columns, rows)
SIZED_SCENARIOS = {
    "wide-200x55": ("two-turns", 200, 55),
    "narrow-80x24": ("two-turns", 80, 24),
    "small-60x20": ("ensemble", 60, 20),
    "small-60x20-maximized": ("maximized", 60, 20),
}


class ScriptedDemo(DemoProvider):
    """The demo provider answering every prompt with `text` (a code block, a long answer)."""

    def __init__(self, text: str):
        super().__init__(speed=0)
        self.text = text

    def answer(self, model, prompt: str) -> str:
        return self.text
