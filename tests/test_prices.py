"""Tiered prices: a long prompt pays its tier's prices for every token of the call.

The two headline figures are the issue's, on the tests' registry models that carry the prices
it quoted: 128,000 input and 1,000 output tokens to test-small-a cost $0.0665 at its tier above
100k tokens (flat: $0.0133), and 300,000 input and 1,000 output tokens to test-tiered-o cost
$3.045 at its tier above 272k (flat: $1.53). The packaged registry's own prices are tested in
test_packaged_registry.py.
"""

from __future__ import annotations

import pytest

from orchestrator_tui.engine import Request
from orchestrator_tui.engine.cost import compute_cost, prices_used, worst_case_cost
from orchestrator_tui.engine.events import BudgetRefused
from orchestrator_tui.heuristics.tokens import estimate_text_tokens
from orchestrator_tui.registry import Registry
from orchestrator_tui.types import Prices, PriceTier, Usage

from .conftest import base_settings, fast_settings, run_collect
from .fake_server import Reply


def registry_model(name: str):
    return Registry.build(base_settings(), environ={}).model(name)


@pytest.mark.parametrize(
    "model, input_tokens, expected",
    [
        ("test-small-a", 128_000, 0.0665),
        ("test-tiered-o", 300_000, 3.045),
    ],
)
def test_the_issues_long_prompts_cost_their_tier_price(model, input_tokens, expected):
    cost = compute_cost(
        Usage(input_tokens=input_tokens, output_tokens=1000), registry_model(model).prices
    )
    assert cost == pytest.approx(expected, rel=1e-12)


def test_the_tier_starts_just_over_its_threshold():
    prices = registry_model("test-tiered-o").prices
    tier = prices.tiers[0]
    assert tier.above_input_tokens == 272_000
    for input_tokens, charged in ((271_999, prices), (272_000, prices), (272_001, tier)):
        usage = Usage(input_tokens=input_tokens, output_tokens=1000)
        expected = (input_tokens * charged.input + 1000 * charged.output) / 1e6
        assert compute_cost(usage, prices) == pytest.approx(expected, rel=1e-12)
        used = prices_used(prices, input_tokens)
        assert used["input_per_mtok"] == charged.input
        assert used["tier_above_input_tokens"] == (272_000 if charged is tier else None)


def test_cached_tokens_count_towards_the_threshold_and_pay_the_tier():
    prices = registry_model("test-small-a").prices
    tier = prices.tiers[0]
    usage = Usage(
        input_tokens=150_000,
        output_tokens=1000,
        cache_read_tokens=100_000,
        cache_write_tokens=20_000,
    )  # only 30,000 uncached
    expected = (
        30_000 * tier.input
        + 100_000 * tier.cache_read
        + 20_000 * tier.cache_write
        + 1000 * tier.output
    ) / 1e6
    assert compute_cost(usage, prices) == pytest.approx(expected, rel=1e-12)


def test_a_tier_price_left_out_is_unknown_not_the_flat_price():
    prices = Prices(1.0, 2.0, cache_read=0.1, tiers=(PriceTier(1000, input=2.0, output=4.0),))
    assert compute_cost(Usage(2000, 10), prices) == pytest.approx((2000 * 2 + 10 * 4) / 1e6)
    assert compute_cost(Usage(2000, 10, cache_read_tokens=500), prices) is None
    assert compute_cost(Usage(900, 10, cache_read_tokens=500), prices) is not None
    assert prices_used(prices, 2000)["cache_read_per_mtok"] is None
    assert registry_model("test-tiered-o").prices.tiers[0].cache_write is None  # left out


def test_budget_worst_case_and_ranking_use_the_tier_the_estimate_selects():
    model = registry_model("test-tiered-o")
    assert worst_case_cost(model, 300_000, 1000) == pytest.approx(3.045, rel=1e-12)
    base = model.prices
    assert worst_case_cost(model, 200_000, 1000) == pytest.approx(
        (200_000 * base.input + 1000 * base.output) / 1e6, rel=1e-12
    )


async def test_a_budget_that_covers_the_flat_worst_case_but_not_the_tier_refuses(
    make_engine, fake_api
):
    engine = make_engine()
    model = engine.registry.model("test-small-a")
    prompt = "x" * 330_000  # ~110,000 estimated tokens: over the 100k threshold
    ctx = engine.context(Request(prompt, model=model.name, strategy="single"))
    flat = model.with_changes(prices=Prices(model.prices.input, model.prices.output))
    flat_worst = worst_case_cost(flat, ctx.input_tokens, ctx.max_tokens)
    tier_worst = worst_case_cost(model, ctx.input_tokens, ctx.max_tokens)
    result, events = await run_collect(
        engine,
        Request(
            prompt, model=model.name, strategy="single", max_cost=(flat_worst + tier_worst) / 2
        ),
    )
    assert [e for e in events if isinstance(e, BudgetRefused)] and not fake_api.requests
    assert result.attempts[0].status == "skipped" and tier_worst > 4 * flat_worst


@pytest.mark.parametrize(
    "model, input_tokens, expected, threshold",
    [
        ("test-small-a", 128_000, 0.0665, 100_000),
        ("test-tiered-o", 300_000, 3.045, 272_000),
    ],
)
async def test_a_real_call_records_its_tier_cost_and_prices(
    make_engine, fake_api, model, input_tokens, expected, threshold
):
    fake_api.script(Reply(input_tokens=input_tokens, output_tokens=1000))
    engine = make_engine()
    result, _ = await run_collect(engine, Request("Summarize it.", model=model, strategy="single"))
    attempt = result.attempts[0]
    assert attempt.status == "ok" and attempt.cost == pytest.approx(expected, rel=1e-12)
    assert result.cost == pytest.approx(expected, rel=1e-12)
    assert attempt.prices["tier_above_input_tokens"] == threshold
    tier = engine.registry.model(model).prices.tiers[0]
    assert (attempt.prices["input_per_mtok"], attempt.prices["output_per_mtok"]) == (
        tier.input,
        tier.output,
    )


async def test_retried_calls_are_priced_one_by_one_not_by_their_sum(make_engine, fake_api):
    """Two 60,000-token calls (a dropped stream, then its retry) stay under the 100k tier."""
    model = "test-small-a"
    fake_api.script(
        Reply(input_tokens=60_000, output_tokens=1000, break_after=1),
        Reply(input_tokens=60_000, output_tokens=1000),
    )
    settings = fast_settings()
    settings.models[model].tpm = 10_000_000
    engine = make_engine(settings)
    result, _ = await run_collect(engine, Request("Summarize it.", model=model, strategy="single"))
    attempt = result.attempts[0]
    base = engine.registry.model(model).prices
    # the dropped call's output is estimated from the one chunk it sent ("The ")
    dropped_output = estimate_text_tokens("The ")
    expected = (120_000 * base.input + (dropped_output + 1000) * base.output) / 1e6
    assert attempt.retries == 1 and attempt.usage.input_tokens == 120_000 and attempt.estimated
    assert attempt.cost == pytest.approx(expected, rel=1e-12)
    assert attempt.prices["tier_above_input_tokens"] is None
