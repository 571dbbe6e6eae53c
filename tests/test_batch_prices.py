"""Batch prices: what a call made in a provider batch pays (often half the standard price).

On the tests' registry: test-small-a is half price in a batch, its tier above 100k too;
test-large-a is half price, flat; test-medium-o has batch prices but none for its tier above
272k; test-mini-a and test-unpriced-o have none. A batch price the registry does not give is
unknown: never the standard price nor half of it, so such a call's cost is None and no budget
covers it. The packaged registry's batch prices are tested in test_packaged_registry.py.
"""

from __future__ import annotations

import json
import re

import pytest

from orchestrator_tui.config import load_settings, parse_settings
from orchestrator_tui.engine.cost import (
    charge_call,
    compute_cost,
    expected_cost,
    prices_used,
    worst_case_cost,
)
from orchestrator_tui.engine.events import Attempt
from orchestrator_tui.engine.run_budget import BudgetPool
from orchestrator_tui.errors import ConfigError
from orchestrator_tui.registry import Registry
from orchestrator_tui.types import Prices, PriceTier, Usage

from .conftest import base_settings, write_config
from .test_cli import orch


def registry_model(name: str):
    return Registry.build(base_settings(), environ={}).model(name)


# The registry carries them -----------------------------------------------------------------


def test_the_registry_carries_batch_prices_and_their_tiers():
    small = registry_model("test-small-a").prices
    assert small.batch == Prices(
        0.05, 0.25, 0.005, 0.0625, tiers=(PriceTier(100_000, 0.25, 1.25, 0.025, 0.3125),)
    )
    assert small.batch_prices is small.batch and small.charged(batch=True) is small.batch
    assert small.charged() is small and small.tiers[0] == PriceTier(100_000, 0.5, 2.5, 0.05, 0.625)
    assert registry_model("test-large-a").prices.batch == Prices(2.0, 10.0, 0.1, 2.5)
    medium = registry_model("test-medium-o").prices.batch
    assert medium is not None and medium.known
    assert medium.tiers == (PriceTier(272_000),)  # the tier is there, its batch prices unknown


@pytest.mark.parametrize("name", ["test-mini-a", "test-unpriced-o"])
def test_a_model_without_batch_prices_has_none(name):
    prices = registry_model(name).prices
    assert prices.batch is None
    assert prices.batch_prices == Prices() and not prices.batch_prices.known


def write(tmp_path, extra: str):
    return write_config(tmp_path / "c.toml", extra)


def test_a_config_sets_batch_prices_of_a_new_model_and_its_tiers(tmp_path):
    path = write(
        tmp_path,
        """
[models.mine]
provider = "openai"
input_cost_per_mtok = 2
output_cost_per_mtok = 8
batch_input_cost_per_mtok = 1
batch_output_cost_per_mtok = 4

[[models.mine.price_tiers]]
above_input_tokens = 1000
input_cost_per_mtok = 4
output_cost_per_mtok = 16
batch_input_cost_per_mtok = 2
batch_output_cost_per_mtok = 8
""",
    )
    prices = Registry.build(load_settings(path)[0], environ={}).model("mine").prices
    assert prices.tiers == (PriceTier(1000, 4.0, 16.0),)
    assert prices.batch == Prices(1.0, 4.0, tiers=(PriceTier(1000, 2.0, 8.0),))
    assert compute_cost(Usage(500, 100), prices, batch=True) == pytest.approx(
        (500 * 1 + 100 * 4) / 1e6
    )
    assert compute_cost(Usage(2000, 100), prices, batch=True) == pytest.approx(
        (2000 * 2 + 100 * 8) / 1e6
    )


def test_a_config_overrides_some_batch_prices_and_keeps_the_rest(tmp_path):
    path = write(
        tmp_path,
        """
[models."test-small-a"]
batch_output_cost_per_mtok = 0.2

[models."test-mini-a"]
batch_input_cost_per_mtok = 0.5
batch_output_cost_per_mtok = 2.5

[[models."test-large-a".price_tiers]]
above_input_tokens = 200000
input_cost_per_mtok = 8.0
output_cost_per_mtok = 40.0
""",
    )
    registry = Registry.build(load_settings(path)[0], environ={})
    small = registry.model("test-small-a").prices
    assert (small.input, small.output) == (0.1, 0.5)  # the standard prices are kept
    assert small.batch == Prices(
        0.05, 0.2, 0.005, 0.0625, tiers=(PriceTier(100_000, 0.25, 1.25, 0.025, 0.3125),)
    )
    assert registry.model("test-mini-a").prices.batch == Prices(0.5, 2.5)
    large = registry.model("test-large-a").prices
    # tiers replaced without batch prices: a long batch call's prices are unknown
    assert large.batch == Prices(2.0, 10.0, 0.1, 2.5, tiers=(PriceTier(200_000),))
    assert compute_cost(Usage(300_000, 10), large, batch=True) is None
    assert compute_cost(Usage(100_000, 10), large, batch=True) == pytest.approx(
        (100_000 * 2 + 10 * 10) / 1e6
    )


def test_batch_prices_survive_the_validated_settings_cache(tmp_path):
    path = write(
        tmp_path,
        """
[[models."test-small-o".price_tiers]]
above_input_tokens = 272000
input_cost_per_mtok = 0.2
batch_input_cost_per_mtok = 0.1
""",
    )
    first = parse_settings(path)
    assert parse_settings(path) == first  # the second one comes from the cache
    tiers = first.models["test-small-o"].price_tiers
    assert tiers is not None and tiers[0].batch_input_cost_per_mtok == 0.1


def test_a_misspelt_batch_price_is_an_unknown_key(tmp_path):
    path = write(tmp_path, '[models."test-small-a"]\ninput_cost_per_mtok_batches = 0.05\n')
    with pytest.raises(ConfigError, match="input_cost_per_mtok_batches: unknown key"):
        load_settings(path)


# A batch call is charged at them ------------------------------------------------------------


@pytest.mark.parametrize(
    "model, usage, batch_cost, standard_cost",
    [
        ("test-small-a", Usage(10_000, 1000), 0.00075, 0.0015),
        ("test-small-a", Usage(128_000, 1000), 0.03325, 0.0665),  # the tier above 100k
        ("test-large-a", Usage(300_000, 1000), 0.61, 1.22),
        ("test-medium-o", Usage(200_000, 1000), 0.1025, 0.205),
    ],
)
def test_a_batch_call_pays_the_batch_prices_and_its_tier(model, usage, batch_cost, standard_cost):
    prices = registry_model(model).prices
    assert compute_cost(usage, prices, batch=True) == pytest.approx(batch_cost, rel=1e-12)
    assert compute_cost(usage, prices) == pytest.approx(standard_cost, rel=1e-12)


def test_cached_tokens_of_a_batch_call_pay_the_batch_cache_prices_of_its_tier():
    prices = registry_model("test-small-a").prices
    usage = Usage(150_000, 1000, cache_read_tokens=100_000, cache_write_tokens=20_000)
    expected = (30_000 * 0.25 + 100_000 * 0.025 + 20_000 * 0.3125 + 1000 * 1.25) / 1e6
    assert compute_cost(usage, prices, batch=True) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "model, input_tokens",
    [
        ("test-mini-a", 1000),  # priced, but no batch price
        ("test-unpriced-o", 1000),  # no price at all
        ("test-medium-o", 300_000),  # batch prices, but none for its tier above 272k
    ],
)
def test_an_unknown_batch_price_makes_the_cost_unknown_and_no_budget_covers_it(model, input_tokens):
    config = registry_model(model)
    usage = Usage(input_tokens, 100)
    assert compute_cost(usage, config.prices, batch=True) is None
    assert worst_case_cost(config, input_tokens, 100, batch=True) is None
    assert expected_cost(config, input_tokens, 100, batch=True) is None
    pool = BudgetPool(limit=1000.0)
    worst = worst_case_cost(config, input_tokens, 100, batch=True)
    assert "no known price" in (pool.refusal(worst) or "") and pool.reserve(worst) is None


def test_what_the_endpoint_billed_wins_over_the_batch_prices():
    prices = registry_model("test-mini-a").prices
    assert compute_cost(Usage(1000, 10, billed_cost=0.0042), prices, batch=True) == 0.0042


def test_the_worst_case_of_a_batch_call_is_at_the_batch_tier_its_input_selects():
    model = registry_model("test-small-a")
    assert worst_case_cost(model, 50_000, 1000, batch=True) == pytest.approx(
        (50_000 * 0.05 + 1000 * 0.25) / 1e6, rel=1e-12
    )
    assert worst_case_cost(model, 300_000, 1000, batch=True) == pytest.approx(
        (300_000 * 0.25 + 1000 * 1.25) / 1e6, rel=1e-12
    )
    assert worst_case_cost(model, 300_000, 1000) == pytest.approx(
        (300_000 * 0.5 + 1000 * 2.5) / 1e6, rel=1e-12
    )


def test_charge_call_records_the_batch_prices_and_tier_it_charged():
    prices = registry_model("test-small-a").prices
    attempt = Attempt(1, "test-small-a", "anthropic")
    first = charge_call(attempt, Usage(128_000, 1000), prices, batch=True)
    second = charge_call(attempt, Usage(10_000, 1000), prices, batch=True)
    assert (first, second) == (pytest.approx(0.03325), pytest.approx(0.00075))
    assert attempt.cost == pytest.approx(0.034, rel=1e-12)
    assert attempt.prices == {
        "input_per_mtok": 0.05,
        "output_per_mtok": 0.25,
        "cache_read_per_mtok": 0.005,
        "cache_write_per_mtok": 0.0625,
        "tier_above_input_tokens": None,
        "batch": True,
    }
    unpriced = Attempt(2, "test-mini-a", "anthropic")
    mini = registry_model("test-mini-a").prices
    assert charge_call(unpriced, Usage(1000, 10), mini, batch=True) is None
    assert unpriced.cost is None and unpriced.prices["input_per_mtok"] is None


def test_prices_used_says_whether_they_are_batch_prices():
    prices = registry_model("test-medium-o").prices
    assert prices_used(prices, 1000)["batch"] is False
    used = prices_used(prices, 300_000, batch=True)
    assert used["batch"] is True and used["tier_above_input_tokens"] == 272_000
    assert used["input_per_mtok"] is None  # the tier's batch price is unknown


# orch models shows them ---------------------------------------------------------------------


def test_orch_models_json_gives_the_batch_prices(isolated_home):
    proc = orch("models", "--json", home=isolated_home)
    assert proc.returncode == 0, proc.stderr
    records = {r["name"]: r for r in json.loads(proc.stdout)}
    assert {
        key: records["test-small-a"][key]
        for key in (
            "batch_input_cost_per_mtok",
            "batch_output_cost_per_mtok",
            "batch_cache_read_cost_per_mtok",
            "batch_cache_write_cost_per_mtok",
        )
    } == {
        "batch_input_cost_per_mtok": 0.05,
        "batch_output_cost_per_mtok": 0.25,
        "batch_cache_read_cost_per_mtok": 0.005,
        "batch_cache_write_cost_per_mtok": 0.0625,
    }
    for name in ("test-mini-a", "test-unpriced-o"):
        assert records[name]["batch_input_cost_per_mtok"] is None
        assert records[name]["batch_output_cost_per_mtok"] is None


def test_orch_models_table_has_a_batch_column(isolated_home):
    proc = orch("models", home=isolated_home)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = re.split(r"\s{2,}", lines[0].strip())
    assert header[3:6] == ["$ in/M", "$ out/M", "batch in/out"]
    rows = {cells[0]: cells for cells in (re.split(r"\s{2,}", line.strip()) for line in lines)}
    assert rows["test-small-a"][3:6] == ["0.1", "0.5", "0.05/0.25"]
    assert rows["test-large-a"][5] == "2/10"
    assert rows["test-mini-a"][3:6] == ["1", "5", "—"]
    assert rows["test-unpriced-o"][3:6] == ["—", "—", "—"]
