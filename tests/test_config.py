"""Config files, the packaged registry and user overrides."""

from __future__ import annotations

import pytest

from orchestrator_tui.config import ModelEntry, Settings, load_settings
from orchestrator_tui.engine.cost import compute_cost
from orchestrator_tui.errors import ConfigError, UsageError
from orchestrator_tui.registry import Registry, load_packaged_registry
from orchestrator_tui.types import PriceTier, Usage


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_packaged_registry_names_its_source_and_covers_the_tiers():
    raw = load_packaged_registry()
    assert "litellm" in raw["source"] and raw["source_date"] == "2026-11-26"
    registry = Registry.build(Settings(), environ={})
    by_provider = {}
    for model in registry.models.values():
        by_provider.setdefault(model.provider, set()).add(model.tier)
        assert model.prices.known and model.context_window and model.rpm and model.tpm
    assert len([m for m in registry.models.values() if m.provider == "anthropic"]) >= 4
    assert len([m for m in registry.models.values() if m.provider == "openai"]) >= 4
    for tiers in by_provider.values():
        assert {"intermediate", "advanced", "expert"} <= tiers
    assert {"mixed", "anthropic", "openai", "fast"} <= set(registry.chains)


def test_packaged_registry_validates_against_the_config_schema():
    from pydantic import TypeAdapter

    for raw in load_packaged_registry()["models"].values():
        TypeAdapter(ModelEntry).validate_python(raw)


def test_fast_chain_is_cheapest_first():
    registry = Registry.build(Settings(), environ={})
    prices = [m.prices.input + m.prices.output for m in registry.chain("fast")]
    assert prices == sorted(prices)


def test_default_config_file_is_read_from_orch_home(isolated_home):
    write(isolated_home / "config.toml", "threshold = 0.75\n")
    settings, path = load_settings()
    assert settings.threshold == 0.75 and path == isolated_home / "config.toml"


def test_no_config_file_gives_defaults(isolated_home):
    settings, path = load_settings()
    assert path is None and settings.default_strategy == "fallback"


@pytest.mark.parametrize("text, message", [
    ("bogus = 1\n", "bogus: unknown key"),
    ("[timeouts]\nconect = 3\n", "timeouts.conect: unknown key"),
    ("threshold = 2\n", "threshold must be between 0 and 1"),
    ("[models.x]\ntier = 'supreme'\n", "models.x.tier: Input should be"),
    ("threshold = \n", "invalid TOML"),
    ("[[models.x.price_tiers]]\nabove_input_tokens = 9\ninput_per_mtok = 1\n",
     "models.x.price_tiers.0.input_per_mtok: unknown key"),
    ("[[models.x.price_tiers]]\ninput_cost_per_mtok = 1\n",
     "models.x.price_tiers.0.above_input_tokens: Field required"),
    ("[[models.x.price_tiers]]\nabove_input_tokens = 0\n", "at least 1"),
    ("[[models.x.price_tiers]]\nabove_input_tokens = 9\n[[models.x.price_tiers]]\n"
     "above_input_tokens = 9\n", "two tiers with the same above_input_tokens"),
])
def test_invalid_config_names_file_key_and_problem(tmp_path, text, message):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")


def test_user_models_override_and_extend_the_registry(tmp_path):
    path = write(tmp_path / "c.toml", """
[providers.ollama]
kind = "openai"
base_url = "http://localhost:11434/v1"

[models."llama3.2"]
provider = "ollama"
tier = "basic"
input_cost_per_mtok = 0
output_cost_per_mtok = 0
context_window = 128000

[models."gpt-6-luna"]
rpm = 7

[chains]
local = ["llama3.2", "gpt-6-luna"]
""")
    registry = Registry.build(load_settings(path)[0], environ={})
    llama = registry.model("llama3.2")
    assert llama.provider == "ollama" and llama.prices.input == 0 and llama.prices.known
    assert registry.has_credentials("ollama")  # no key needed
    luna = registry.model("gpt-6-luna")
    assert luna.rpm == 7 and luna.prices.input == 0.1  # the rest is kept
    assert [m.name for m in registry.chain("local")] == ["llama3.2", "gpt-6-luna"]
    assert registry.any_credentials()


def test_user_price_tiers_replace_the_registrys(tmp_path):
    path = write(tmp_path / "c.toml", """
[[models."gpt-6-luna".price_tiers]]
above_input_tokens = 128000
input_cost_per_mtok = 0.3
output_cost_per_mtok = 1.5

[models."claude-haiku-5-5"]
price_tiers = []

[models.local]
provider = "openai"
input_cost_per_mtok = 1
output_cost_per_mtok = 2
price_tiers = [{ above_input_tokens = 1000, input_cost_per_mtok = 3, output_cost_per_mtok = 4 }]
""")
    registry = Registry.build(load_settings(path)[0], environ={})
    luna = registry.model("gpt-6-luna").prices
    assert luna.input == 0.1 and luna.tiers == (PriceTier(128_000, 0.3, 1.5),)
    assert compute_cost(Usage(200_000, 1000), luna) == pytest.approx(
        (200_000 * 0.3 + 1000 * 1.5) / 1e6)
    haiku = registry.model("claude-haiku-5-5").prices
    assert haiku.tiers == () and compute_cost(Usage(128_000, 1000), haiku) == \
        pytest.approx(0.0133)
    local = registry.model("local").prices
    assert compute_cost(Usage(2000, 10), local) == pytest.approx((2000 * 3 + 10 * 4) / 1e6)
    assert compute_cost(Usage(2000, 10, cache_read_tokens=5), local) is None


def test_a_new_model_needs_a_known_provider(tmp_path):
    path = write(tmp_path / "c.toml", "[models.x]\ntier = 'basic'\n")
    with pytest.raises(ConfigError, match="models.x.provider: required"):
        Registry.build(load_settings(path)[0], environ={})
    path = write(tmp_path / "d.toml", "[models.x]\nprovider = 'nowhere'\n")
    with pytest.raises(ConfigError, match="unknown provider 'nowhere'"):
        Registry.build(load_settings(path)[0], environ={})


def test_chain_with_unknown_model_is_a_config_error(tmp_path):
    path = write(tmp_path / "c.toml", "[chains]\nmine = ['gpt-6-lunaa']\n")
    with pytest.raises(ConfigError, match="did you mean gpt-6-luna"):
        Registry.build(load_settings(path)[0], environ={})


def test_comma_chains_and_unknown_chain_names():
    registry = Registry.build(Settings(), environ={})
    assert [m.name for m in registry.chain("gpt-6-luna, claude-haiku-5-5")] == \
        ["gpt-6-luna", "claude-haiku-5-5"]
    with pytest.raises(UsageError, match="did you mean mixed"):
        registry.chain("mixd")


def test_credentials_come_from_the_standard_variables():
    registry = Registry.build(Settings(), environ={"ANTHROPIC_AUTH_TOKEN": "t"})
    assert registry.has_credentials("anthropic") and not registry.has_credentials("openai")
