"""The Python API, with the seed's names: sync wrappers over the async engine.

    from orchestrator_tui import run_orchestration
    result = run_orchestration("What is 2+2?", strategy="cheapest")
    print(result.model_used, result.cost)

Calls are recorded in the history database like `orch ask` (`record=False`: not at all;
`log_text=False` or `log_prompts = false` in the config: costs and tokens without the text,
and no cache).
The sync functions cannot run inside a running event loop: async code awaits
`arun_orchestration`. `chain` and `models` take a list of model names or a comma string.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from .engine.core import Engine
from .engine.events import OrchestrationResult
from .errors import BudgetError, UsageError
from .frontend import Names, build_engine, history_db, load_settings, request_from_options
from .heuristics.synthesis import synthesize_responses  # noqa: F401  (part of the API)
from .types import ModelConfig


def make_engine(
    config: str | Path | None = None,
    *,
    record: bool = True,
    use_cache: bool = True,
    **engine_options,
) -> Engine:
    """An Engine on the user's settings (or those of the config file `config`).

    record: keep its runs in the history database and enforce the persistent budgets, as
        `orch ask` does; False keeps nothing and uses no cache.
    use_cache: answer from (and fill) the response cache when the settings allow it.
    engine_options: passed to build_engine (db: the history connection to use) and to Engine
        (demo=True for the offline demo provider, clock, …).
    Raises ConfigError for an invalid config file, StoreError when the history cannot be opened.
    """
    settings, _ = load_settings(Path(config) if config else None)
    return build_engine(settings, record=record, use_cache=use_cache, **engine_options)


async def arun_orchestration(
    prompt: str,
    strategy: str | None = None,
    *,
    engine: Engine | None = None,
    record: bool = True,
    **options,
) -> OrchestrationResult:
    """Run one prompt on the running event loop and return its OrchestrationResult.

    strategy: the name of a registered strategy (`engine.strategies.strategy_names()`: the
        built-in ones and any added with `register_strategy`); None: single when `model` is
        given, else the configured default.
    engine: an Engine to reuse (see make_engine); None builds one for this call and closes it.
    record: keep this call in the history (applies to the engine built here; a given engine
        records as it was made).
    options: Request fields: model, chain and models (a list or a comma string), max_cost,
        threshold, ensemble_size, system, max_tokens, temperature, log_text, use_cache, …
    Raises UsageError for bad input (unknown model or strategy, empty prompt), ConfigError for
    an invalid config; a failed call is not raised: the result has success=False.
    """
    request = request_from_options(prompt, strategy=strategy, **options)
    if engine is not None:
        return await engine.run_to_result(request)
    with history_db(record) as db:
        engine = make_engine(record=record, db=db)
        try:
            return await engine.run_to_result(request)
        finally:
            await engine.aclose()


def run_orchestration(
    prompt: str,
    strategy: str | None = None,
    *,
    engine: Engine | None = None,
    record: bool = True,
    **options,
) -> OrchestrationResult:
    """Run one prompt to its OrchestrationResult, blocking until it is done.

    Arguments as for arun_orchestration. An engine passed here can be reused by later calls.
    Raises UsageError when called inside a running event loop (await arun_orchestration
    there), and as arun_orchestration does.
    """
    return run_sync("run_orchestration", prompt, strategy, engine, record, options)


def run_with_fallback(
    prompt: str,
    chain: Names | None = None,
    confidence_threshold: float | None = 0.6,
    max_cost: float | None = None,
    **options,
) -> OrchestrationResult:
    """Try the models of `chain` in order, cheapest first, until one answers with at least
    `confidence_threshold` confidence; the most confident answer is kept if none does.

    chain: a chain name, a list of model names or a comma string (None: the default chain).
    confidence_threshold: 0 to 1; None takes the chain's threshold from the settings.
    max_cost: the most this call may spend, in USD; models that could exceed it are skipped.
    options: as for run_orchestration (engine, record, system, max_tokens, …).
    Raises as run_orchestration does.
    """
    options = {"threshold": confidence_threshold, **options}  # `threshold=`: the earlier name
    return run_sync(
        "run_with_fallback",
        prompt,
        "fallback",
        options.pop("engine", None),
        options.pop("record", True),
        dict(options, chain=chain, max_cost=max_cost),
    )


def run_ensemble(
    prompt: str, models: Names | None = None, ensemble_size: int | None = None, **options
) -> OrchestrationResult:
    """Ask several models at once and keep the best-scored answer, with their agreement.

    models: the members, as a list or a comma string (None: the first `ensemble_size` models
        of the default chain, or of `chain=`).
    ensemble_size: how many members to take from the chain (None: the configured size).
    options: as for run_orchestration (engine, record, max_cost, chain, …).
    Raises as run_orchestration does.
    """
    return run_sync(
        "run_ensemble",
        prompt,
        "ensemble",
        options.pop("engine", None),
        options.pop("record", True),
        dict(options, models=models, ensemble_size=ensemble_size),
    )


def route_to_model(prompt: str, max_cost: float | None = None, **options) -> str:
    """The name of the model the `cheapest` strategy would call for this prompt, without
    calling it. Arguments and errors as for route_to_model_config."""
    return route_to_model_config(prompt, max_cost, **options).name


def route_to_model_config(
    prompt: str, max_cost: float | None = None, *, engine: Engine | None = None, **options
) -> ModelConfig:
    """The ModelConfig of the model `cheapest` would call: the cheapest usable model whose
    tier covers the prompt and whose worst-case cost fits `max_cost` (USD, None: no limit).

    engine: an Engine to route with (None: one on the user's settings, recording nothing).
    options: Request fields that narrow the pool: chain, models, max_tokens, system, …
    Raises UsageError for bad input or when no model is usable, BudgetError when none fits
    max_cost.
    """
    from .engine.cost import worst_case_cost
    from .engine.strategies.cheapest import rank_candidates

    engine = engine or make_engine(record=False)
    ctx = engine.context(
        request_from_options(prompt, strategy="cheapest", max_cost=max_cost, **options)
    )
    ranked = rank_candidates(ctx)[1]
    refusals = [
        ctx.budget.refusal(worst_case_cost(m, ctx.input_tokens, ctx.max_tokens)) for m in ranked
    ]
    for model, refusal in zip(ranked, refusals, strict=True):
        if refusal is None:
            return model
    raise BudgetError(f"no model fits max_cost={max_cost:g}: {ranked[0].name}: {refusals[0]}")


def run_sync(
    function: str,
    prompt: str,
    strategy: str | None,
    engine: Engine | None,
    record: bool,
    options: dict,
) -> OrchestrationResult:
    refuse_inside_event_loop(function, strategy)
    return asyncio.run(run_and_release(prompt, strategy, engine, record, options))


async def run_and_release(prompt, strategy, engine, record, options) -> OrchestrationResult:
    """One call on a fresh loop; a reused engine's connections are closed before the loop is."""
    try:
        return await arun_orchestration(prompt, strategy, engine=engine, record=record, **options)
    finally:
        if engine is not None:
            await engine.aclose()


def refuse_inside_event_loop(function: str, strategy: str | None) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    how = f"prompt, {strategy!r}, ..." if strategy else "prompt, ..."
    raise UsageError(
        f"{function}() cannot be called inside a running event loop; in async "
        f"code, use `await arun_orchestration({how})`"
    )
