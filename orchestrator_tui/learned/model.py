"""A trained router: predicts each model's chance of a good answer and its cost for a prompt,
and picks the model with the best predicted score minus λ × cost.

Cost in the utility is relative: `cost_scale` is the mean cost per prompt of the dearest model
in the training data, so λ = 0.1 means "a tenth of a point of score is worth one call of the
dearest model". Prediction is plain Python, loaded from JSON in the orch home.
"""

from __future__ import annotations

import base64
import json
import math
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from .features import Vocabulary

LAMBDA_GRID = (0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.13, 0.16, 0.2, 0.3, 0.5, 1.0)
FORMAT = 1
RECENT = 64


@dataclass
class Prediction:
    model: str
    success: float  # predicted probability of a good answer
    cost: float  # predicted USD

    def utility(self, lam: float, cost_scale: float) -> float:
        return self.success - lam * self.cost / cost_scale


@dataclass
class LearnedRouter:
    vocabulary: Vocabulary
    models: list[str]
    weights: array  # float32, per feature: success logits per model, then log-costs
    intercepts: list[float]  # the same layout
    cost_scale: float
    lam: float
    info: dict = field(default_factory=dict)  # where it was trained, on how many rows
    _recent: dict = field(default_factory=dict, repr=False)  # prompt -> predictions

    def predict(self, prompt: str) -> list[Prediction]:
        """Every model's predictions (the last few prompts' are remembered)."""
        if prompt not in self._recent:
            if len(self._recent) >= RECENT:
                self._recent.pop(next(iter(self._recent)))
            self._recent[prompt] = self.compute(prompt)
        return self._recent[prompt]

    def compute(self, prompt: str) -> list[Prediction]:
        size = len(self.models)
        stride = 2 * size
        sums = list(self.intercepts)
        weights = self.weights
        for feature, value in self.vocabulary.vector(prompt).items():
            start = feature * stride
            for j, weight in enumerate(weights[start : start + stride]):
                sums[j] += value * weight
        return [
            Prediction(m, sigmoid(sums[j]), math.exp(sums[size + j]))
            for j, m in enumerate(self.models)
        ]

    def rank(
        self, prompt: str, allowed: list[str] | None = None, lam: float | None = None
    ) -> list[Prediction]:
        """The known models (of `allowed`), best utility first."""
        lam = self.lam if lam is None else lam
        predictions = [p for p in self.predict(prompt) if allowed is None or p.model in allowed]
        return sorted(predictions, key=lambda p: -p.utility(lam, self.cost_scale))

    def save(self, path: Path) -> None:
        data = {
            "format": FORMAT,
            "vocabulary": self.vocabulary.as_dict(),
            "models": self.models,
            "weights_float32": base64.b64encode(self.weights.tobytes()).decode("ascii"),
            "intercepts": self.intercepts,
            "cost_scale": self.cost_scale,
            "lambda": self.lam,
            "info": self.info,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, separators=(",", ":")), "utf-8")
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> LearnedRouter:
        data = json.loads(path.read_text("utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"{path} was written by another version of orch: retrain it")
        weights = array("f")
        weights.frombytes(base64.b64decode(data["weights_float32"]))
        return cls(
            Vocabulary.from_dict(data["vocabulary"]),
            data["models"],
            weights,
            data["intercepts"],
            data["cost_scale"],
            data["lambda"],
            data.get("info", {}),
        )


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)
