"""The Python API, with the seed's names: sync wrappers over the async engine.

    from orchestrator_tui import run_orchestration
    result = run_orchestration("What is 2+2?", strategy="cheapest")
    print(result.model_used, result.cost)
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from .config import load_settings
from .engine.core import Engine
from .engine.events import OrchestrationResult
from .engine.request import Request
from .routing.synthesis import synthesize_responses  # noqa: F401  (part of the API)
from .types import ModelConfig


def make_engine(config: str | Path | None = None, **engine_options) -> Engine:
    settings, _ = load_settings(Path(config) if config else None)
    return Engine(settings, **engine_options)


async def arun_orchestration(prompt: str, strategy: str | None = None, *,
                             engine: Engine | None = None, **options) -> OrchestrationResult:
    """Run one prompt; `options` are Request fields (model, chain, models, max_cost, …)."""
    own = engine is None
    engine = engine or make_engine()
    try:
        return await engine.run_to_result(Request(prompt, strategy=strategy, **options))
    finally:
        if own:
            await engine.aclose()


def run_orchestration(prompt: str, strategy: str | None = None, *,
                      engine: Engine | None = None, **options) -> OrchestrationResult:
    return asyncio.run(arun_orchestration(prompt, strategy, engine=engine, **options))


def run_with_fallback(prompt: str, chain: str | None = None, threshold: float | None = None,
                      **options) -> OrchestrationResult:
    return run_orchestration(prompt, "fallback", chain=chain, threshold=threshold, **options)


def run_ensemble(prompt: str, models: list[str] | None = None, ensemble_size: int | None = None,
                 **options) -> OrchestrationResult:
    return run_orchestration(prompt, "ensemble", models=models, ensemble_size=ensemble_size,
                             **options)


def route_to_model(prompt: str, *, engine: Engine | None = None, **options) -> ModelConfig:
    """The model `cheapest` would call for this prompt, without calling it."""
    from .engine.strategies.cheapest import rank_candidates

    engine = engine or make_engine()
    ctx = engine.context(Request(prompt, strategy="cheapest", **options))
    return rank_candidates(ctx)[1][0]
