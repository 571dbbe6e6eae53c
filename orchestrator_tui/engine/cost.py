"""Cost from token usage and registry prices, and the worst-case estimate budgets reserve."""

from __future__ import annotations

import math

from ..types import Message, ModelConfig, Prices, Usage

CHARS_PER_TOKEN = 3.0  # deliberately low: the estimate should err on the high side
TOKENS_PER_MESSAGE = 8


def estimate_tokens(messages: list[Message], system: str | None = None) -> int:
    """An offline estimate of the input tokens (no tokenizer download needed)."""
    chars = sum(len(m.content) for m in messages) + len(system or "")
    overhead = TOKENS_PER_MESSAGE * (len(messages) + (1 if system else 0))
    return math.ceil(chars / CHARS_PER_TOKEN) + overhead


def estimate_text_tokens(text: str) -> int:
    """An offline estimate of the tokens in a text (erring high, like `estimate_tokens`)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def compute_cost(usage: Usage, prices: Prices) -> float | None:
    """USD for this usage (what the endpoint billed, if it said), or None when a price it
    needs is unknown."""
    if usage.billed_cost is not None:
        return usage.billed_cost
    uncached = usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
    parts = [(uncached, prices.input), (usage.output_tokens, prices.output),
             (usage.cache_read_tokens, prices.cache_read),
             (usage.cache_write_tokens, prices.cache_write)]
    total = 0.0
    for tokens, price in parts:
        if tokens <= 0:
            continue
        if price is None:
            return None
        total += tokens * price / 1_000_000
    return total


def worst_case_cost(model: ModelConfig, input_tokens: int, max_tokens: int) -> float | None:
    """Estimated input at the input price plus every allowed output token; None if unpriced."""
    if not model.prices.known:
        return None
    return (input_tokens * model.prices.input + max_tokens * model.prices.output) / 1_000_000


def prices_used(prices: Prices) -> dict[str, float | None]:
    return {"input_per_mtok": prices.input, "output_per_mtok": prices.output,
            "cache_read_per_mtok": prices.cache_read, "cache_write_per_mtok": prices.cache_write}


TYPICAL_OUTPUT_TOKENS = 500


def expected_cost(model: ModelConfig, input_tokens: int, max_tokens: int) -> float | None:
    """A typical call's cost, for ranking models by price (not for budgets)."""
    if not model.prices.known:
        return None
    output = min(max_tokens, TYPICAL_OUTPUT_TOKENS)
    return (input_tokens * model.prices.input + output * model.prices.output) / 1_000_000
