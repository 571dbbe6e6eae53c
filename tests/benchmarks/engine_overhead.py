"""Engine overhead per request over the bare SDK call, on the loopback fake server.

Run: python tests/benchmarks/engine_overhead.py [requests]
Both sides stream the same answer through the same AsyncOpenAI / AsyncAnthropic client; the
engine adds routing, the rate limiter, the budget, confidence scoring and the event stream.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from orchestrator_tui.engine import Engine, Request
from orchestrator_tui.engine.ratelimit import RateLimiter
from orchestrator_tui.providers.base import CallParams
from orchestrator_tui.registry import Registry
from orchestrator_tui.types import Message
from tests.fake_server import FakeAPI
from tests.registry_settings import base_settings

MODELS = {"openai": "test-small-o", "anthropic": "test-small-a"}


async def bare_sdk(engine: Engine, model_name: str) -> None:
    model = engine.registry.model(model_name)
    provider = engine.provider_for(model)
    params = CallParams([Message("user", "What is the capital of France?")], None, 256, None)
    async for _ in provider.stream(model, params):
        pass


async def through_engine(engine: Engine, model_name: str) -> None:
    request = Request(
        "What is the capital of France?", strategy="single", model=model_name, max_tokens=256
    )
    async for _ in engine.run(request):
        pass


async def timed(call, engine, model, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        await call(engine, model)
        times.append(time.perf_counter() - started)
    return times


async def measure(api: FakeAPI, provider: str, count: int) -> tuple[float, float]:
    environ = {
        "ANTHROPIC_API_KEY": "k",
        "ANTHROPIC_BASE_URL": api.url,
        "OPENAI_API_KEY": "k",
        "OPENAI_BASE_URL": api.url + "/v1",
    }
    settings = base_settings()
    registry = Registry.build(settings, environ=environ)
    model = MODELS[provider]
    # no rate limit: this measures overhead, not waiting for the registry's default RPM
    registry.models[model] = registry.models[model].with_changes(rpm=None, tpm=None)
    engine = Engine(settings, registry, limiter=RateLimiter())
    await timed(bare_sdk, engine, model, 20)  # warm up connections and imports
    await timed(through_engine, engine, model, 20)
    bare, full = [], []
    for _ in range(5):  # interleave to share any drift
        bare += await timed(bare_sdk, engine, model, count // 5)
        full += await timed(through_engine, engine, model, count // 5)
    await engine.aclose()
    return statistics.median(bare), statistics.median(full)


def main(count: int = 500) -> None:
    with FakeAPI() as api:
        for provider in MODELS:
            bare, full = asyncio.run(measure(api, provider, count))
            print(
                f"{provider:9}  bare SDK {bare * 1000:6.2f} ms   engine {full * 1000:6.2f} ms"
                f"   overhead {(full - bare) * 1000:5.2f} ms per request (median of {count})"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
