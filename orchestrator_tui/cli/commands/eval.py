"""`orch eval`: replay a recorded benchmark through every strategy, with no network."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from .. import options as o


def eval_command(
    dataset: Annotated[Path, typer.Argument(metavar="DATASET", help="Recorded benchmark (JSONL).")],
    train: Annotated[
        Path | None,
        typer.Option(
            help="Train the learned router (and derive prices and chains) on this file instead "
            "of cross-validating on DATASET."
        ),
    ] = None,
    folds: Annotated[int, typer.Option(min=2, help="Cross-validation folds.")] = 5,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes [default: one per core].")
    ] = None,
    learned: Annotated[
        bool,
        typer.Option(
            "--learned/--no-learned", help="Evaluate the learned router (needs scikit-learn)."
        ),
    ] = True,
    plot: Annotated[bool, typer.Option("--plot", help="Draw the cost–quality plot.")] = False,
    as_json: o.AsJson = False,
):
    """Measure every strategy's cost and quality on recorded answers, spending nothing."""
    data, reference = load_inputs(dataset, train)
    check_learned(learned)
    evaluation = run_with_progress(data, reference, folds, learned, workers)
    result = {
        "dataset": evaluation.dataset,
        "n": evaluation.n,
        "method": evaluation.method,
        "rows": evaluation.rows(),
        "chains": evaluation.chains,
    }
    if as_json:
        print(json.dumps(result, indent=2))
        return
    from ..eval_view import print_plot, print_table

    print_table(result)
    if plot:
        print()
        print_plot(result)


def load_inputs(dataset: Path, train: Path | None):
    """The dataset and the --train file, checked against each other."""
    from ...errors import UsageError
    from ...evaluation.dataset import load_dataset

    data = load_dataset(dataset)
    reference = load_dataset(train) if train else None
    if reference is not None and set(data.models) - set(reference.models):
        missing = ", ".join(sorted(set(data.models) - set(reference.models)))
        raise UsageError(f"--train has no answers from {missing}")
    warn_about_overlap(data, reference)
    return data, reference


def run_with_progress(data, reference, folds: int, learned: bool, workers: int | None):
    from ...evaluation.runner import evaluate
    from ..progress import progress_bar

    try:
        with progress_bar("eval", len(data.items), enabled=sys.stderr.isatty()) as advance:
            return evaluate(
                data, reference, folds, learned, workers or os.cpu_count() or 1, advance
            )
    except KeyboardInterrupt:
        print("orch: eval cancelled (it spends nothing, so nothing is lost)", file=sys.stderr)
        raise typer.Exit(130) from None


def warn_about_overlap(data, reference) -> None:
    if reference is None:
        return
    shared = {i.prompt for i in data.items} & {i.prompt for i in reference.items}
    if shared:
        print(
            f"orch: warning: {len(shared):,} prompt(s) of {data.name} are also in "
            f"{reference.name}; their figures are not on held-out rows",
            file=sys.stderr,
        )


def check_learned(learned: bool) -> None:
    from ...learned.train import check_libraries

    if learned:
        check_libraries(" (or pass --no-learned)")
