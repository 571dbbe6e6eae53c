"""The TUI under load: four panes streaming 2,000 tokens each at 200 tokens/s.

Run: python tests/benchmarks/tui_streaming.py [tokens] [rate] [session_requests]
Prints: whether every token reached its pane, how long key presses take to be handled while
the panes stream, and memory over a session of many requests (headless, via Textual's Pilot).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from textual import events
from textual.widgets import Markdown

from orchestrator_tui.providers.base import Provider, StopPart, TextPart, UsagePart
from orchestrator_tui.store.db import open_db
from orchestrator_tui.tui.app import OrchApp
from orchestrator_tui.tui.widgets.pane import ModelPane
from orchestrator_tui.tui.widgets.prompt import PromptEditor
from orchestrator_tui.types import Usage
from tests.registry_settings import base_settings

MODELS = ["test-small-a", "test-small-o", "test-medium-o", "test-large-a"]


class PacedProvider(Provider):
    """Streams `tokens` numbered words at `rate` tokens per second."""

    name = "demo"
    is_demo = True

    def __init__(self, tokens: int, rate: float):
        self.tokens, self.rate = tokens, rate

    async def stream(self, model, params):
        usage = Usage(input_tokens=10)
        yield UsagePart(usage)
        started = time.perf_counter()
        for index in range(self.tokens):
            delay = started + index / self.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            usage.output_tokens += 1
            yield TextPart(f"t{index} " + ("\n\n" if index % 50 == 49 else ""))
        yield StopPart("end_turn")


def make_app(folder: Path, tokens: int, rate: float) -> OrchApp:
    settings = base_settings(cache=False, ensemble_size=4)
    settings.chains["bench"] = MODELS
    app = OrchApp(settings=settings, db=open_db(folder / "orch.db"), demo=True)
    app.engine.registry.chains["bench"] = MODELS
    for name in MODELS:
        app.engine.registry.models[name] = app.engine.registry.models[name].with_changes(
            rpm=None, tpm=None
        )
    app.engine._providers["demo"] = PacedProvider(tokens, rate)
    app.target = "chain:bench"
    return app


async def submit(pilot, prompt: str) -> None:
    pilot.app.screen.query_one(PromptEditor).load_text(prompt)
    await pilot.press("ctrl+j")
    await pilot.pause(0.05)


async def key_latency(app, editor) -> float:
    """Seconds from a key press arriving to the editor showing it (as a terminal sends it:
    a Key event posted to the app, no Pilot waiting in between)."""
    count = editor.text.count("x")
    before = time.perf_counter()
    app.post_message(events.Key("x", "x"))
    while editor.text.count("x") == count:
        await asyncio.sleep(0.001)
    return time.perf_counter() - before


async def streaming_run(folder: Path, tokens: int, rate: float) -> None:
    app = make_app(folder, tokens, rate)
    async with app.run_test(size=(160, 45)) as pilot:
        started = time.perf_counter()
        await submit(pilot, "stream")
        editor = app.screen.query_one(PromptEditor)
        editor.focus()
        latencies = []
        while any(w.is_running for w in app.workers):
            latencies.append(await key_latency(app, editor))
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        await pilot.pause(0.3)
        shown = [pane.query_one(Markdown).source.count(" ") for pane in app.screen.query(ModelPane)]
        typed = editor.text.count("x")
    print(
        f"streaming: {len(shown)} panes x {tokens:,} tokens at {rate:g} tokens/s, "
        f"{elapsed:.2f} s (ideal {tokens / rate:.2f} s)"
    )
    print(f"  tokens shown per pane: {shown} (every token: {all(s == tokens for s in shown)})")
    print(
        f"  key presses while streaming: {len(latencies)} ({typed} reached the editor); "
        f"handled in median {statistics.median(latencies) * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms"
    )


async def session_memory(folder: Path, requests: int) -> None:
    app = make_app(folder, 200, 20_000)
    async with app.run_test(size=(160, 45)) as pilot:
        readings = []
        for index in range(requests):
            await submit(pilot, f"request {index}")
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if index % 10 == 9:
                gc.collect()
                readings.append(rss_megabytes())
    print(
        f"memory over a {requests}-request session (4 panes x 200 tokens each), resident "
        f"set after every 10 requests: {', '.join(f'{r:.0f}' for r in readings)} MB"
    )


def rss_megabytes() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    tokens = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 200.0
    requests = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    with tempfile.TemporaryDirectory() as folder:
        os.environ["ORCH_HOME"] = folder
        asyncio.run(streaming_run(Path(folder), tokens, rate))
        asyncio.run(session_memory(Path(folder), requests))


if __name__ == "__main__":
    main()
