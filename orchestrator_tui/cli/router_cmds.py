"""`orch router train|show` and `orch rate`: train the learned router on a recorded benchmark
or on the answers rated in the history, and rate answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import options as o
from .state import STATE

router_app = typer.Typer(help="Train and inspect the learned router (-s learned).",
                         no_args_is_help=True)
MIN_RATED = 10


@router_app.command("train")
def train(
    data: Annotated[Optional[Path], typer.Option(help="A recorded benchmark (JSONL, as for eval).")] = None,
    from_history: Annotated[bool, typer.Option(
        "--from-history", help="Learn from the answers rated with `orch rate` (or in the TUI).")] = False,
    lam: Annotated[Optional[float], typer.Option(
        "--lambda", min=0.0, help="Cost weight λ [default: chosen by cross-validation on "
        "--data; 0.1 from history].")] = None,
    as_json: o.AsJson = False,
):
    """Train the router and save it in the orch home."""
    from ..errors import UsageError
    from ..locations import router_path
    from ..router.train import check_libraries

    if (data is None) == (not from_history):
        raise UsageError("train from one source: --data FILE or --from-history")
    check_libraries()
    examples, source, complete = training_examples(data)
    router, frontier = fit_with_lambda(examples, lam, complete, source)
    path = router_path()
    router.save(path)
    summary = {"path": str(path), "rows": len(examples), "source": source,
               "models": router.models, "lambda": router.lam, "cv_frontier": frontier}
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    print(f"trained on {len(examples):,} rows of {source}; {len(router.models)} models; "
          f"λ = {router.lam:g}; saved to {path}")
    for row in frontier:
        print(f"  λ {row['lambda']:<5g} cross-validated score {row['score']:.4f}, "
              f"cost ${row['cost']:.4f}")


def training_examples(data: Path | None):
    """(examples, a description of their source, whether every model scored every row)."""
    from ..evaluation.dataset import load_dataset
    from ..evaluation.runner import examples

    if data is not None:
        dataset = load_dataset(data)
        return examples(dataset), dataset.name, True
    return history_examples(), "the rated history", False


def history_examples():
    from ..errors import UsageError
    from ..router.train import Example
    from ..store.ratings import rated_examples

    rated = rated_examples(STATE.db())
    if len(rated) < MIN_RATED:
        raise UsageError(f"only {len(rated)} rated answers with their prompt in the history; "
                         f"rate at least {MIN_RATED} with `orch rate ID good|bad`")
    return [Example(prompt, {model: score}, {model: cost} if cost else {})
            for prompt, model, score, cost in rated]


def fit_with_lambda(examples, lam, complete: bool, source: str):
    from ..errors import UsageError
    from ..router.train import choose_lambda, fit_router

    frontier = []
    if lam is None and complete:
        lam, frontier = choose_lambda(examples)
    try:
        router = fit_router(examples, lam, {"data": source})
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return router, frontier


@router_app.command("show")
def show():
    """What the saved router was trained on, and its models."""
    from ..engine.core import Engine

    router = Engine(STATE.settings(), demo=True).learned_router()
    print(f"trained on {router.info.get('rows', '?')} rows of {router.info.get('data', '?')}; "
          f"λ = {router.lam:g}")
    print("models: " + ", ".join(router.models))


def rate(
    request_id: Annotated[int, typer.Argument(metavar="ID", help="The request's id (orch history).")],
    verdict: Annotated[str, typer.Argument(metavar="good|bad")],
):
    """Rate an answer in the history: the signal `orch router train --from-history` learns."""
    from ..store.ratings import rate as store_rating

    store_rating(STATE.db(), request_id, verdict.lower())
    print(f"request {request_id} rated {verdict.lower()}")
