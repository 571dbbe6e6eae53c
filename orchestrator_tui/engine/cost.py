"""Cost from token usage and registry prices, and the worst-case estimate budgets reserve.

A call's input size (cached tokens included) picks its prices: above a model's price tier
threshold, every token of the call is charged at that tier (LiteLLM's semantics). A tier price
that is not known makes the cost unknown (None) only when the call used tokens of that kind.

`batch=True`: the call was made in a provider batch and pays the model's batch prices, with
their own tiers. A model without batch prices has none: such a call's cost is unknown and no
budget covers its worst case; the standard price is never used in their place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..types import ModelConfig, Prices, Usage

if TYPE_CHECKING:
    from .events import Attempt


def compute_cost(usage: Usage, prices: Prices, *, batch: bool = False) -> float | None:
    """USD for this usage (what the endpoint billed, if it said), or None when a price it
    needs is unknown; at the batch prices for a call of a provider batch."""
    if usage.billed_cost is not None:
        return usage.billed_cost
    prices = prices.charged(batch).at(usage.input_tokens)
    uncached = usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
    parts = [
        (uncached, prices.input),
        (usage.output_tokens, prices.output),
        (usage.cache_read_tokens, prices.cache_read),
        (usage.cache_write_tokens, prices.cache_write),
    ]
    total = 0.0
    for tokens, price in parts:
        if tokens <= 0:
            continue
        if price is None:
            return None
        total += tokens * price / 1_000_000
    return total


def charge_call(
    attempt: Attempt, usage: Usage | None, prices: Prices, *, batch: bool = False
) -> float | None:
    """One call's cost (0 without usage), added to its attempt's; the attempt records the
    prices, and the tier, this call was charged at (its batch prices for a provider batch)."""
    if usage is None:
        return 0.0
    cost = compute_cost(usage, prices, batch=batch)
    attempt.cost = None if cost is None or attempt.cost is None else attempt.cost + cost
    attempt.prices = prices_used(prices, usage.input_tokens, batch=batch)
    return cost


def worst_case_cost(
    model: ModelConfig, input_tokens: int, max_tokens: int, *, batch: bool = False
) -> float | None:
    """Estimated input plus every allowed output token, at the prices of the tier the
    estimated input selects (batch prices for a provider batch); None if unpriced."""
    prices = model.prices.charged(batch).at(input_tokens)
    if prices.input is None or prices.output is None:
        return None
    return (input_tokens * prices.input + max_tokens * prices.output) / 1_000_000


def prices_used(
    prices: Prices, input_tokens: int = 0, *, batch: bool = False
) -> dict[str, float | int | None]:
    """The prices a call with this many input tokens pays, its tier's threshold (None for
    the base prices), and whether they are batch prices."""
    prices = prices.charged(batch)
    tier = prices.tier_for(input_tokens)
    flat = prices.at(input_tokens)
    return {
        "input_per_mtok": flat.input,
        "output_per_mtok": flat.output,
        "cache_read_per_mtok": flat.cache_read,
        "cache_write_per_mtok": flat.cache_write,
        "tier_above_input_tokens": None if tier is None else tier.above_input_tokens,
        "batch": batch,
    }


TYPICAL_OUTPUT_TOKENS = 500


def expected_cost(
    model: ModelConfig, input_tokens: int, max_tokens: int, *, batch: bool = False
) -> float | None:
    """A typical call's cost at the tier the input selects (batch prices for a provider
    batch), for ranking models by price (not for budgets)."""
    prices = model.prices.charged(batch).at(input_tokens)
    if prices.input is None or prices.output is None:
        return None
    output = min(max_tokens, TYPICAL_OUTPUT_TOKENS)
    return (input_tokens * prices.input + output * prices.output) / 1_000_000
