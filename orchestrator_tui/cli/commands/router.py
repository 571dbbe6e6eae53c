"""`orch router train|judge|show`: train the learned router on a recorded benchmark or on the
rated answers of the history, and have a judge model rate answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import options as o
from ..state import STATE

router_app = typer.Typer(
    help="Train and inspect the learned router (-s learned).", no_args_is_help=True
)
MIN_RATED = 10


@router_app.command("train")
def train(
    data: Annotated[
        Path | None, typer.Option(help="A recorded benchmark (JSONL, as for eval).")
    ] = None,
    from_history: Annotated[
        bool,
        typer.Option(
            "--from-history",
            help="Learn from the rated answers in the history (`orch rate`, "
            "F8/F9 in the TUI, `orch router judge`).",
        ),
    ] = False,
    lam: Annotated[
        float | None,
        typer.Option(
            "--lambda",
            min=0.0,
            help="Cost weight λ [default: chosen by cross-validation on --data; 0.1 from history].",
        ),
    ] = None,
    as_json: o.AsJson = False,
):
    """Train the router and save it in the orch home."""
    from ...errors import UsageError
    from ...learned.train import check_libraries
    from ...locations import router_path

    if (data is None) == (not from_history):
        raise UsageError("train from one source: --data FILE or --from-history")
    check_libraries()
    examples, source, complete = training_examples(data)
    if sys.stderr.isatty():
        print(f"training on {len(examples):,} rows…", file=sys.stderr)
    router, frontier = fit_with_lambda(examples, lam, complete, source)
    path = router_path()
    router.save(path)
    summary = {
        "path": str(path),
        "rows": len(examples),
        "source": source,
        "models": router.models,
        "lambda": router.lam,
        "cv_frontier": frontier,
    }
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    print(
        f"trained on {len(examples):,} rows of {source}; {len(router.models)} models; "
        f"λ = {router.lam:g}; saved to {path}"
    )
    for row in frontier:
        print(
            f"  λ {row['lambda']:<5g} cross-validated score {row['score']:.4f}, "
            f"cost ${row['cost']:.4f}"
        )


def training_examples(data: Path | None):
    """(examples, a description of their source, whether every model scored every row)."""
    from ...evaluation.dataset import load_dataset
    from ...evaluation.runner import examples

    if data is not None:
        dataset = load_dataset(data)
        return examples(dataset), dataset.name, True
    return history_examples(), "the rated history", False


def history_examples():
    from ...errors import UsageError
    from ...learned.train import Example
    from ...store.ratings import rated_examples

    rated = rated_examples(STATE.db())
    if len(rated) < MIN_RATED:
        raise UsageError(
            f"only {len(rated)} rated answers with their prompt in the history; "
            f"rate at least {MIN_RATED} with `orch rate ID good|bad`"
        )
    return [
        Example(prompt, {model: score}, {model: cost} if cost else {})
        for prompt, model, score, cost in rated
    ]


def fit_with_lambda(examples, lam, complete: bool, source: str):
    from ...errors import UsageError
    from ...learned.train import choose_lambda, fit_router

    frontier: list[dict[str, Any]] = []
    try:
        if lam is None and complete:
            lam, frontier = choose_lambda(examples)
        router = fit_router(examples, lam, {"data": source})
    except ValueError as exc:  # e.g. no model with a known cost
        raise UsageError(f"cannot train the router: {exc}") from None
    return router, frontier


@router_app.command("judge")
def judge(
    model: Annotated[
        str | None,
        typer.Option("-m", "--model", help="The judge model [default: judge_model in the config]."),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, help="Grade at most this many answers, newest first.")
    ] = 100,
    max_cost: o.MaxCost = None,
    demo: o.Demo = None,
):
    """Have a judge model grade the history's unrated answers (its calls are recorded)."""
    from ...engine.run_budget import BudgetPool
    from ...errors import UsageError
    from ..interrupt import Interrupted, run_interruptibly

    judge_model = model or STATE.settings().judge_model
    if not judge_model:
        raise UsageError("no judge model: pass -m MODEL or set judge_model in the config")
    engine = STATE.engine(demo=demo)
    engine.registry.model(judge_model)  # an unknown name is one clear line
    if engine.demo:
        raise UsageError("the demo provider cannot judge answers: set an API key")
    try:
        tally = run_interruptibly(run_judge(engine, judge_model, limit, BudgetPool(max_cost)))
    except Interrupted as stop:
        print(f"orch: {stop.verb}; the verdicts and calls so far are recorded", file=sys.stderr)
        raise typer.Exit(stop.exit_code) from None
    print(
        f"{judge_model} judged {tally.good + tally.bad} answers: {tally.good} good, "
        f"{tally.bad} bad; {tally.unclear} unclear, {tally.failed} failed; "
        f"cost ${tally.cost:.6f}"
    )


async def run_judge(engine, model, limit, budget):
    from ...evaluation.judge import judge_history

    try:
        return await judge_history(engine, STATE.db(), model, limit, budget)
    finally:
        await engine.aclose()


@router_app.command("show")
def show():
    """What the saved router was trained on, and its models."""
    from ...engine.core import Engine

    router = Engine(STATE.settings(), demo=True).learned_router()
    print(
        f"trained on {router.info.get('rows', '?')} rows of {router.info.get('data', '?')}; "
        f"λ = {router.lam:g}"
    )
    print("models: " + ", ".join(router.models))
