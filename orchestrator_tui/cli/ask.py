"""`orch ask`: one prompt, streamed to the terminal, or as JSON for scripts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .state import STATE

Opt = typer.Option


def ask(
    prompt_arg: Annotated[Optional[str], typer.Argument(
        metavar="PROMPT", help="The prompt; '-' (or nothing, with a pipe) reads stdin.")] = None,
    prompt: Annotated[Optional[str], Opt("-p", "--prompt", help="The prompt, as an option.")] = None,
    strategy: Annotated[Optional[str], Opt(
        "-s", "--strategy", help="single, cheapest, fallback or ensemble [default: fallback; "
        "single with -m]")] = None,
    max_cost: Annotated[Optional[float], Opt("-c", "--max-cost", help="Budget in USD for this request.")] = None,
    chain: Annotated[Optional[str], Opt(help="A named chain or a comma list of models.")] = None,
    ensemble_size: Annotated[Optional[int], Opt("-e", "--ensemble-size", min=1, help="Ensemble members [default: 3].")] = None,
    models: Annotated[Optional[str], Opt(help="Comma list of models (ensemble members, chain or pool).")] = None,
    model: Annotated[Optional[str], Opt("-m", "--model", help="The model for `single`.")] = None,
    threshold: Annotated[Optional[float], Opt(min=0.0, max=1.0, help="Confidence below which fallback escalates [default: 0.6].")] = None,
    system: Annotated[Optional[str], Opt(help="System prompt.")] = None,
    max_tokens: Annotated[Optional[int], Opt(min=1, help="Most output tokens per call [default: 2048].")] = None,
    temperature: Annotated[Optional[float], Opt(min=0.0, max=2.0)] = None,
    demo: Annotated[Optional[bool], Opt("--demo/--no-demo", help="Force the demo provider on or off.")] = None,
    verbose: Annotated[bool, Opt("-v", "--verbose", help="Show routing reasons; tracebacks on errors.")] = False,
    output: Annotated[Optional[Path], Opt("-o", "--output", help="Write the answer (or JSON) to FILE.")] = None,
    as_json: Annotated[bool, Opt("--json", help="Print only the result as JSON on stdout.")] = False,
    category: Annotated[Optional[str], Opt(help="Category for history and reports.")] = None,
    tag: Annotated[Optional[list[str]], Opt(help="Tag for history (repeatable).")] = None,
    no_log: Annotated[bool, Opt("--no-log", help="Keep cost and tokens in history, not the text.")] = False,
    no_cache: Annotated[bool, Opt("--no-cache", help="Do not answer from, or add to, the cache.")] = False,
):
    """Send one prompt and stream the answer, with what it cost."""
    import asyncio

    from ..engine import Request
    from .render import Renderer, finish

    STATE.verbose = STATE.verbose or verbose
    text = read_prompt(prompt_arg, prompt)
    request = Request(
        text, system=system, strategy=strategy or ("single" if model else None), model=model,
        chain=chain, models=split_list(models), ensemble_size=ensemble_size, threshold=threshold,
        max_cost=max_cost, max_tokens=max_tokens, temperature=temperature, category=category,
        tags=tag or [], log_text=not no_log, use_cache=not no_cache)
    engine = STATE.engine(demo=demo)
    renderer = Renderer(engine, live=not as_json and output is None and sys.stdout.isatty(),
                        verbose=STATE.verbose)
    result = asyncio.run(run_request(engine, request, renderer))
    warn_about_budgets(engine, renderer)
    finish(result, renderer, as_json=as_json, output=output)


async def run_request(engine, request, renderer):
    try:
        return await engine.run_to_result(request, on_event=renderer.handle)
    finally:
        renderer.close()
        await engine.aclose()


def warn_about_budgets(engine, renderer) -> None:
    from ..store.budgets import budget_states
    from .format import usd

    settings = engine.settings
    for state in budget_states(STATE.db(), settings, engine.demo):
        if state.share >= settings.budget.warn_at:
            renderer.err.print(f"[yellow]warning: {state.share:.0%} of the {state.period} "
                               f"budget ({usd(state.limit)}) is spent; {usd(state.left)} left[/]")


def read_prompt(argument: str | None, option: str | None) -> str:
    from ..errors import UsageError

    if argument is not None and option is not None:
        raise UsageError("give the prompt once: as an argument or with -p, not both")
    text = argument if argument is not None else option
    if text == "-" or (text is None and not sys.stdin.isatty()):
        text = sys.stdin.read()
    if text is None:
        raise UsageError('no prompt given: orch ask "your question" (or pipe it in)')
    if not text.strip():
        raise UsageError("the prompt is empty")
    return text


def split_list(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()] or None
