"""Training a LearnedRouter: one logistic regression per model for success and one ridge
regression per model for log cost, over the prompt's TF-IDF features (scikit-learn).

Examples may be partial (a user's history knows only the models that answered): each model is
fitted on the rows where it has a score, and a model with no known cost is left out, since a
model without a price is never chosen.
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass, field

from .features import Vocabulary
from .model import LAMBDA_GRID, LearnedRouter

DEFAULT_LAMBDA = 0.1
REGULARIZATION = 1.0  # logistic regression C: 0.3 and 1 measured alike; 1 a bit better if cheap
QUALITY_TARGET = 0.97  # default λ: the cheapest whose CV score reaches this share of the best


INSTALL_HINT = "training a router needs scikit-learn: pip install 'orchestrator-tui[router]'"


def check_libraries(suffix: str = "") -> None:
    """A one-line UsageError, without importing them, when the libraries are missing."""
    from importlib.util import find_spec

    from ..errors import UsageError

    if any(find_spec(name) is None for name in ("numpy", "scipy", "sklearn")):
        raise UsageError(INSTALL_HINT + suffix)


@dataclass
class Example:
    prompt: str
    scores: dict[str, float]  # model -> 0..1
    costs: dict[str, float] = field(default_factory=dict)  # model -> USD


def libraries():
    check_libraries()
    import numpy
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression, Ridge

    return numpy, sparse, LogisticRegression, Ridge


def fit_router(
    examples: list[Example], lam: float | None = None, info: dict | None = None
) -> LearnedRouter:
    np, _, LogisticRegression, Ridge = libraries()
    prompts = [e.prompt for e in examples]
    vocabulary = Vocabulary.fit(prompts)
    matrix = feature_matrix(vocabulary, prompts)
    models = trainable_models(examples)
    if not models:
        raise ValueError("no model has both a score and a known cost in the training data")
    success, log_cost, intercepts = [], [], []
    for model in models:
        coef, bias = fit_success(np, LogisticRegression, matrix, examples, model)
        success.append(coef)
        intercepts.append(bias)
    for model in models:
        coef, bias = fit_log_cost(np, Ridge, matrix, examples, model)
        log_cost.append(coef)
        intercepts.append(bias)
    weights = array("f", np.vstack(success + log_cost).T.astype(np.float32).tobytes())
    scale = max(mean_cost(examples, m) for m in models)
    chosen = DEFAULT_LAMBDA if lam is None else lam
    return LearnedRouter(
        vocabulary,
        models,
        weights,
        intercepts,
        scale,
        chosen,
        {"rows": len(examples), **(info or {})},
    )


def feature_matrix(vocabulary: Vocabulary, prompts: list[str]):
    np, sparse, _, _ = libraries()
    data: list[float] = []
    columns: list[int] = []
    pointers = [0]
    for prompt in prompts:
        vector = vocabulary.vector(prompt)
        columns.extend(vector)
        data.extend(vector.values())
        pointers.append(len(columns))
    return sparse.csr_matrix(
        (np.array(data), np.array(columns), np.array(pointers)),
        shape=(len(prompts), vocabulary.size),
    )


def trainable_models(examples: list[Example]) -> list[str]:
    scored = {m for e in examples for m in e.scores}
    priced = {m for e in examples for m, c in e.costs.items() if c is not None and c > 0}
    return sorted(scored & priced)


def fit_success(np, LogisticRegression, matrix, examples, model):
    rows = [i for i, e in enumerate(examples) if model in e.scores]
    labels = np.array([examples[i].scores[model] >= 0.5 for i in rows], dtype=int)
    if labels.min() == labels.max():  # one class only: a constant prediction
        p = min(max(labels.mean(), 0.02), 0.98)
        return np.zeros(matrix.shape[1]), math.log(p / (1 - p))
    fitted = LogisticRegression(C=REGULARIZATION, max_iter=1000).fit(matrix[rows], labels)
    return fitted.coef_[0], float(fitted.intercept_[0])


def fit_log_cost(np, Ridge, matrix, examples, model):
    rows = [i for i, e in enumerate(examples) if (e.costs.get(model) or 0) > 0]
    targets = np.log([examples[i].costs[model] for i in rows])
    fitted = Ridge(alpha=1.0).fit(matrix[rows], targets)
    return fitted.coef_, float(fitted.intercept_)


def mean_cost(examples: list[Example], model: str) -> float:
    costs = [e.costs[model] for e in examples if (e.costs.get(model) or 0) > 0]
    return sum(costs) / len(costs)


def choose_lambda(
    examples: list[Example], folds: int = 3, target: float = QUALITY_TARGET
) -> tuple[float, list[dict]]:
    """The largest λ whose cross-validated score reaches `target` × the best single model's,
    on complete examples (every model scored); also the CV frontier it was chosen from."""
    folds = min(folds, len(examples))
    if folds < 2:
        return DEFAULT_LAMBDA, []
    models = trainable_models(examples)
    totals = {lam: [0.0, 0.0] for lam in LAMBDA_GRID}
    for train, test in split_folds(len(examples), folds):
        router = fit_router([examples[i] for i in train])
        for i in test:
            ranked_by = router.predict(examples[i].prompt)
            for lam in LAMBDA_GRID:
                best = max(ranked_by, key=lambda p: p.utility(lam, router.cost_scale))
                totals[lam][0] += examples[i].scores[best.model]
                totals[lam][1] += examples[i].costs[best.model]
    n = len(examples)
    best_single = max(sum(e.scores[m] for e in examples) / n for m in models)
    frontier = [{"lambda": lam, "score": s / n, "cost": c} for lam, (s, c) in totals.items()]
    good = [row["lambda"] for row in frontier if row["score"] >= target * best_single]
    return (max(good) if good else 0.0), frontier


def split_folds(n: int, folds: int, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """Shuffled k-fold split of range(n), the same for the same n and seed."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    parts = [order[k::folds] for k in range(folds)]
    return [
        ([i for j, p in enumerate(parts) if j != k for i in p], sorted(parts[k]))
        for k in range(folds)
    ]
