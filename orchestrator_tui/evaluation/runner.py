"""Run the evaluation: for each fold, a replay engine (with the router trained on the other
folds, or on `--train`) answers every held-out prompt with every strategy of the plan.

Folds are independent, so they run in worker processes (one per core by default); progress
comes back through a queue, one tick per prompt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import Settings
from ..engine.core import Engine
from ..engine.ports import NoCache, NoLedger
from ..engine.ratelimit import RateLimiter
from ..errors import UsageError
from ..learned.train import Example, fit_router, split_folds
from .dataset import Dataset, Item
from .plan import Spec, strategy_specs
from .replay import ReplayProvider, replay_registry

FOLDS = 5


@dataclass
class Tally:
    strategy: str
    params: dict
    score: float = 0.0
    cost: float = 0.0
    count: int = 0

    def add(self, other: Tally) -> None:
        self.score += other.score
        self.cost += other.cost
        self.count += other.count

    def row(self) -> dict:
        return {
            "strategy": self.strategy,
            "params": self.params,
            "score": round(self.score / self.count, 4) if self.count else None,
            "cost": round(self.cost, 6),
        }


@dataclass
class Evaluation:
    dataset: str
    n: int
    method: str
    tallies: dict[tuple, Tally] = field(default_factory=dict)
    chains: list[dict] = field(default_factory=list)  # per fold: the chains derived for it

    def add(self, spec: Spec, score: float, cost: float) -> None:
        self.merge({spec.key: Tally(spec.strategy, spec.params, score, cost, 1)})

    def merge(self, tallies: dict[tuple, Tally]) -> None:
        for key, tally in tallies.items():
            self.tallies.setdefault(key, Tally(tally.strategy, tally.params)).add(tally)

    def rows(self) -> list[dict]:
        return [t.row() for t in self.tallies.values()]


def examples(dataset: Dataset) -> list[Example]:
    return [
        Example(
            i.prompt,
            {m: r.score for m, r in i.responses.items()},
            {m: r.cost for m, r in i.responses.items()},
        )
        for i in dataset.items
    ]


def jobs_for(dataset: Dataset, train: Dataset | None, folds: int, workers: int):
    """(reference rows, held-out rows) pairs: k folds of the dataset (at most one per prompt),
    or, with --train, the dataset in one chunk per worker."""
    if train is None:
        if len(dataset.items) < 2:
            raise UsageError("cross-validation needs at least 2 prompts (or pass --train)")
        folds = min(folds, len(dataset.items))  # no empty fold
        return [
            (dataset.subset(a), dataset.subset(b))
            for a, b in split_folds(len(dataset.items), folds)
        ]
    n = len(dataset.items)
    chunks = [list(range(n))[k::workers] for k in range(min(workers, n))]
    return [(train, dataset.subset(chunk)) for chunk in chunks]


def evaluate(
    dataset: Dataset,
    train: Dataset | None = None,
    folds: int = FOLDS,
    learned: bool = True,
    workers: int = 1,
    progress: Callable[[int], None] = lambda n: None,
) -> Evaluation:
    jobs = jobs_for(dataset, train, folds, workers)
    method = f"trained on {train.name}" if train else f"{len(jobs)}-fold cross-validation"
    evaluation = Evaluation(dataset.name, len(dataset.items), method)
    models = dataset.models
    for item in dataset.items:
        add_oracle(evaluation, item, models)
    if workers <= 1 or len(jobs) == 1:
        outcomes = [run_job(reference, held_out, learned, progress) for reference, held_out in jobs]
    else:
        from .workers import run_in_processes

        outcomes = run_in_processes(
            run_job,
            [(reference, held_out, learned) for reference, held_out in jobs],
            workers,
            progress,
        )
    for tallies, chains in outcomes:
        evaluation.merge(tallies)
        evaluation.chains.append(chains)
    return evaluation


def run_job(reference: Dataset, held_out: Dataset, learned: bool, progress) -> tuple[dict, dict]:
    """Replay every strategy on the held-out rows, with prices, chains and router taken
    from the reference rows only. Returns the tallies and the chains used."""
    return asyncio.run(replay_job(reference, held_out, learned, progress))


async def replay_job(reference: Dataset, held_out: Dataset, learned: bool, progress):
    registry = replay_registry(reference, held_out.models)
    router = train_router(reference) if learned else None
    engine = Engine(
        Settings(),
        registry,
        demo=False,
        ledger=NoLedger(),
        cache=NoCache(),
        limiter=RateLimiter(),
        providers={"replay": ReplayProvider(held_out)},
        router=router,
    )
    specs = strategy_specs(registry, learned)
    job = Evaluation(held_out.name, len(held_out.items), "")
    for item in held_out.items:
        for spec in specs:
            result = await engine.run_to_result(spec.request(item.prompt))
            model = result.model_used if result.success else None
            score = item.responses[model].score if model is not None else 0.0
            job.add(spec, score, result.cost or 0.0)
        progress(1)
    return job.tallies, {k: list(v) for k, v in registry.chains.items()}


def train_router(reference: Dataset):
    try:
        return fit_router(examples(reference), info={"data": reference.name})
    except ValueError as exc:  # e.g. no model with a known cost
        raise UsageError(f"cannot train the learned router: {exc} (or pass --no-learned)") from None


ORACLE = Spec("oracle")


def add_oracle(evaluation: Evaluation, item: Item, models: list[str]) -> None:
    """The cheapest of the evaluated models that scored best on this prompt."""
    responses = [item.responses[m] for m in models]
    top = max(r.score for r in responses)
    cost = min(r.cost for r in responses if r.score == top)
    evaluation.add(ORACLE, top, cost)
