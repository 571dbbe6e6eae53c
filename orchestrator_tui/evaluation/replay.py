"""The replay provider and registry: recorded answers served through the engine as if live.

Each model of the dataset becomes a registry model of the provider "replay". A call returns
the recorded text and reports the recorded cost as billed, so the engine's cost accounting
is the one that runs for real calls. What the engine needs to know before a call (prices,
tiers, chains) is derived from reference rows only (the training part), by stated rules:

- price: the model's total recorded cost over the estimated tokens of its prompts and
  answers (one price for input and output);
- tier: by cost quartile (cheapest quarter `basic` … dearest quarter `expert`);
- chain `by-cost`: every model, cheapest first; chain `frontier`: the models no cheaper
  model matches in mean score, cheapest first.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator

from ..heuristics.tokens import estimate_tokens
from ..providers.base import (
    CallParams,
    Provider,
    ProviderError,
    StopPart,
    StreamPart,
    TextPart,
    UsagePart,
)
from ..registry import Registry
from ..types import TIERS, Message, ModelConfig, Prices, ProviderConfig, Usage
from .dataset import Dataset, Item


class ReplayProvider(Provider):
    name = "replay"

    def __init__(self, dataset: Dataset):
        self.by_prompt: dict[str, Item] = {item.prompt: item for item in dataset.items}

    async def stream(
        self, model: ModelConfig, params: CallParams
    ) -> AsyncGenerator[StreamPart, None]:
        prompt = params.messages[-1].content
        item = self.by_prompt.get(prompt)
        recorded = item.responses.get(model.name) if item else None
        if recorded is None:
            raise ProviderError(
                f"{model.name}: no recorded answer for this prompt", kind="not_found", status=404
            )
        output = estimate_tokens([Message("assistant", recorded.text)])
        usage = Usage(
            input_tokens=estimate_tokens(params.messages, params.system),
            output_tokens=output,
            billed_cost=recorded.cost,
        )
        yield TextPart(recorded.text)
        yield UsagePart(usage)
        yield StopPart("end_turn")


def replay_registry(reference: Dataset, only: list[str] | None = None) -> Registry:
    """The reference rows' models (those of `only`, when given) as a registry."""
    models = [m for m in reference.models if only is None or m in only]
    mean_cost = {
        m: sum(i.responses[m].cost for i in reference.items) / len(reference.items) for m in models
    }
    by_cost = sorted(models, key=lambda m: (mean_cost[m], m))
    prices = {m: price_per_mtok(reference, m) for m in models}
    configs = {
        m: ModelConfig(
            m,
            "replay",
            tier_by_quartile(by_cost.index(m), len(models)),
            Prices(prices[m], prices[m]),
        )
        for m in models
    }
    provider = ProviderConfig("replay", "replay")
    chains = {"by-cost": by_cost, "frontier": score_frontier(reference, by_cost)}
    return Registry(
        configs, {"replay": provider}, chains, f"replay of {reference.name}", "", environ={}
    )


def tier_by_quartile(rank: int, count: int) -> str:
    return TIERS[min(len(TIERS) - 1, rank * len(TIERS) // count)]


def price_per_mtok(reference: Dataset, model: str) -> float:
    tokens = sum(
        estimate_tokens([Message("user", i.prompt), Message("assistant", i.responses[model].text)])
        for i in reference.items
    )
    cost = sum(i.responses[model].cost for i in reference.items)
    return cost / max(tokens, 1) * 1_000_000


def mean_score(reference: Dataset, model: str) -> float:
    return sum(i.responses[model].score for i in reference.items) / len(reference.items)


def score_frontier(reference: Dataset, by_cost: list[str]) -> list[str]:
    frontier, best = [], -math.inf
    for model in by_cost:
        score = mean_score(reference, model)
        if score > best:
            frontier.append(model)
            best = score
    return frontier
