"""What `orch eval` measures: the strategies, each as the Request that `orch ask` would send."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine.request import Request
from ..learned.model import LAMBDA_GRID
from ..registry import Registry


@dataclass(frozen=True)
class Spec:
    strategy: str
    params: dict = field(default_factory=dict)
    request_fields: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return self.strategy, tuple(sorted(self.params.items()))

    def request(self, prompt: str) -> Request:
        return Request(prompt, strategy=self.strategy, use_cache=False, **self.request_fields)


def strategy_specs(registry: Registry, learned: bool = True) -> list[Spec]:
    specs = [Spec("single", {"model": m}, {"model": m}) for m in registry.chains["by-cost"]]
    specs.append(Spec("cheapest", {"pool": "all"}))
    for chain in ("by-cost", "frontier"):
        specs += [
            Spec("fallback", {"chain": chain}, {"chain": chain}),
            Spec("ensemble", {"chain": chain, "size": 3}, {"chain": chain, "ensemble_size": 3}),
            Spec("consensus", {"chain": chain, "k": 2}, {"chain": chain, "consensus_size": 2}),
        ]
    if learned:
        specs += [Spec("learned", {"lambda": lam}, {"cost_weight": lam}) for lam in LAMBDA_GRID]
    return specs
