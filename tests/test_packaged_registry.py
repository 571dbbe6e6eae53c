"""The packaged model registry (orchestrator_tui/data/models.toml) itself: it parses, names
its price source and date, is what tools/build_registry.py makes of the price map, and covers
every tier on both providers.

These are the only tests that may name a packaged model: every other test runs on the tests'
own registry (tests/registry.toml), so that refreshing models.toml from a new price map breaks
no test but these, and test_no_other_test_names_a_packaged_model keeps it that way.
"""

from __future__ import annotations

import importlib.util
import json
import re
import tomllib
from pathlib import Path

import pytest

from orchestrator_tui.config import ModelEntry, Settings
from orchestrator_tui.registry import Registry, load_packaged_registry

PRICE_MAP = Path("/work/shared/data/prices/anthropic-openai-prices.json")
REPO = Path(__file__).parent.parent
TESTS = Path(__file__).parent
ALLOWED = {Path(__file__).name}  # the tests of the packaged registry


def packaged(name: str):
    return Registry.build(Settings(), environ={}).model(name)


def test_packaged_registry_names_its_source_and_covers_the_tiers():
    raw = load_packaged_registry()
    assert "litellm" in raw["source"] and raw["source_date"] == "2026-11-26"
    registry = Registry.build(Settings(), environ={})
    assert registry.source == raw["source"] and registry.source_date == raw["source_date"]
    by_provider = {}
    for model in registry.models.values():
        by_provider.setdefault(model.provider, set()).add(model.tier)
        assert model.prices.known and model.context_window and model.rpm and model.tpm
    assert len([m for m in registry.models.values() if m.provider == "anthropic"]) >= 4
    assert len([m for m in registry.models.values() if m.provider == "openai"]) >= 4
    for tiers in by_provider.values():
        assert {"intermediate", "advanced", "expert"} <= tiers
    assert {"mixed", "anthropic", "openai", "fast"} <= set(registry.chains)
    assert Settings().default_chain in registry.chains


def test_packaged_registry_validates_against_the_config_schema():
    from pydantic import TypeAdapter

    for raw in load_packaged_registry()["models"].values():
        TypeAdapter(ModelEntry).validate_python(raw)


def test_fast_chain_is_cheapest_first():
    registry = Registry.build(Settings(), environ={})
    prices = [m.prices.input + m.prices.output for m in registry.chain("fast")]
    assert prices == sorted(prices)


def test_a_tier_price_the_map_does_not_give_is_left_out():
    assert packaged("gpt-5.5").prices.tiers[0].cache_write is None  # the map gives none


def load_generator():
    spec = importlib.util.spec_from_file_location(
        "build_registry", REPO / "tools" / "build_registry.py"
    )
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    return generator


@pytest.mark.skipif(not PRICE_MAP.is_file(), reason="the price map is not on this machine")
def test_the_packaged_registry_is_what_the_generator_makes_of_the_price_map():
    generator = load_generator()
    text = generator.render(json.loads(PRICE_MAP.read_text())["models"])
    assert text == (REPO / "orchestrator_tui" / "data" / "models.toml").read_text()
    tiers = load_packaged_registry()["models"]["gpt-6-luna"]["price_tiers"]
    assert tiers == [
        {
            "above_input_tokens": 272000,
            "input_cost_per_mtok": 0.2,
            "output_cost_per_mtok": 0.75,
            "cache_read_cost_per_mtok": 0.02,
            "cache_write_cost_per_mtok": 0.25,
            "batch_input_cost_per_mtok": 0.1,
            "batch_output_cost_per_mtok": 0.375,
            "batch_cache_read_cost_per_mtok": 0.01,
            "batch_cache_write_cost_per_mtok": 0.125,
        }
    ]  # batch prices, but no flex or priority ones


@pytest.mark.skipif(not PRICE_MAP.is_file(), reason="the price map is not on this machine")
def test_every_batch_price_is_the_maps():
    """Each packaged model's batch prices are the map's *_batches fields, per million tokens,
    and only those: a batch price the map does not give is None, never derived."""
    generator = load_generator()
    models = json.loads(PRICE_MAP.read_text())["models"]
    registry = Registry.build(Settings(), environ={})
    for name, model in registry.models.items():
        batch = model.prices.batch_prices
        for field, kind in zip(
            ("input_cost_per_token_batches", "output_cost_per_token_batches"),
            ("input", "output"),
            strict=True,
        ):
            assert getattr(batch, kind) == generator.per_million(models[name].get(field)), name
    with_batch = [m for m in registry.models.values() if m.prices.batch is not None]
    assert len(with_batch) == len(registry.models)  # the map gives every packaged model some
    assert all(m.prices.batch_prices.known for m in with_batch)


def test_packaged_batch_prices_and_their_tiers():
    haiku = packaged("claude-haiku-5-5").prices
    assert haiku.batch is not None and haiku.batch.input == haiku.input / 2
    assert haiku.batch.tiers[0].above_input_tokens == haiku.tiers[0].above_input_tokens
    assert haiku.batch.tiers[0].output == haiku.tiers[0].output / 2
    gpt = packaged("gpt-5.5").prices
    assert gpt.batch is not None and gpt.batch.cache_write is None  # the map gives none
    assert gpt.batch.tiers[0].cache_write is None


def test_the_generator_reads_batch_prices_and_tiers_but_no_other_variant():
    generator = load_generator()
    data = {
        "litellm_provider": "openai",
        "input_cost_per_token": 2e-06,
        "output_cost_per_token": 8e-06,
        "input_cost_per_token_batches": 1e-06,
        "input_cost_per_token_flex": 1.5e-06,
        "input_cost_per_token_above_200k_tokens": 4e-06,
        "input_cost_per_token_above_200k_tokens_batches": 2e-06,
        "input_cost_per_token_above_200k_tokens_priority": 8e-06,
    }
    entry = tomllib.loads(generator.entry("x", data, "basic", 1, 1))["models"]["x"]
    prices = {k: v for k, v in entry.items() if "cost" in k}
    assert prices == {
        "input_cost_per_mtok": 2.0,
        "output_cost_per_mtok": 8.0,
        "batch_input_cost_per_mtok": 1.0,
    }  # no flex price, and no batch output price: none, not half of 8
    assert entry["price_tiers"] == [
        {
            "above_input_tokens": 200_000,
            "input_cost_per_mtok": 4.0,
            "batch_input_cost_per_mtok": 2.0,
        }
    ]
    no_batch = {k: v for k, v in data.items() if "batches" not in k}
    assert "batch_" not in generator.entry("x", no_batch, "basic", 1, 1)


def test_the_generator_refuses_a_batch_tier_without_a_standard_one():
    generator = load_generator()
    data = {
        "litellm_provider": "openai",
        "input_cost_per_token": 2e-06,
        "input_cost_per_token_batches": 1e-06,
        "input_cost_per_token_above_200k_tokens_batches": 2e-06,
    }
    with pytest.raises(SystemExit, match="no standard tier"):
        generator.entry("x", data, "basic", 1, 1)


def packaged_name_pattern() -> re.Pattern:
    names = sorted(load_packaged_registry()["models"], key=len, reverse=True)
    return re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, names)) + r")(?![\w-]|\.\d)")


def test_no_other_test_names_a_packaged_model():
    """Tests, helpers, benchmarks, data and snapshots use the tests' registry: a packaged
    model's name anywhere else under tests/ is a test that a new price map can break."""
    pattern = packaged_name_pattern()
    assert pattern.search('model="gpt-5.5"') and not pattern.search("test-small-o")
    found = []
    for path in sorted(TESTS.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.name in ALLOWED:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            found += [
                f"{path.relative_to(TESTS)}:{number}: {m.group(1)}" for m in pattern.finditer(line)
            ]
    assert not found, "packaged model names outside the registry tests:\n" + "\n".join(found)
