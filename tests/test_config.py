"""Config files, user overrides of the packaged registry, and a registry of the config's own
(`packaged_models = false`, which the tests' registry uses). The packaged registry's own
contents are tested in test_packaged_registry.py."""

from __future__ import annotations

import pytest

from orchestrator_tui.config import Settings, load_settings, parse_settings
from orchestrator_tui.engine.cost import compute_cost
from orchestrator_tui.errors import ConfigError, UsageError
from orchestrator_tui.registry import Registry, load_packaged_registry
from orchestrator_tui.types import PriceTier, Usage

from .conftest import TEST_MODELS, base_settings, write_config
from .registry_settings import TEST_REGISTRY, registry_data


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_default_config_file_is_read_from_orch_home(isolated_home):
    write(isolated_home / "config.toml", "threshold = 0.75\n")
    settings, path = load_settings()
    assert settings.threshold == 0.75 and path == isolated_home / "config.toml"


def test_no_config_file_gives_defaults(isolated_home):
    (isolated_home / "config.toml").unlink()
    settings, path = load_settings()
    assert path is None and settings.default_strategy == "fallback"
    assert settings.packaged_models


def test_the_tests_registry_is_a_valid_config_of_its_own_models_only():
    """tests/registry.toml passes the config schema, base_settings() (built without pydantic)
    reads it the same, and the registry it makes holds its models and chains only."""
    assert parse_settings(TEST_REGISTRY) == base_settings()
    registry = Registry.build(base_settings(), environ={})
    assert tuple(registry.models) == TEST_MODELS and registry.chains == registry_data()["chains"]
    assert registry.source == "the config file's prices" and registry.source_date == ""
    assert not registry.model("test-unpriced-o").prices.known
    assert registry.model("test-small-a").prices.tiers[0].above_input_tokens == 100_000


def test_packaged_models_false_leaves_the_packaged_registry_out(tmp_path):
    path = write(
        tmp_path / "c.toml",
        """
packaged_models = false
default_chain = "mine"
[models.mine]
provider = "openai"
tier = "basic"
[chains]
mine = ["mine"]
""",
    )
    registry = Registry.build(load_settings(path)[0], environ={})
    assert list(registry.models) == ["mine"] and registry.chains == {"mine": ["mine"]}
    everything = Registry.build(Settings(), environ={})
    assert set(everything.models) == set(load_packaged_registry()["models"])
    with pytest.raises(ConfigError, match=r"models\.mine\.provider: required"):
        Registry.build(
            load_settings(
                write(
                    tmp_path / "d.toml",
                    """
packaged_models = false
[models.mine]
tier = "basic"
""",
                )
            )[0],
            environ={},
        )  # with no packaged model to override, a model is a new one


@pytest.mark.parametrize(
    "text, message",
    [
        ("bogus = 1\n", "bogus: unknown key"),
        ("[timeouts]\nconect = 3\n", "timeouts.conect: unknown key"),
        ("threshold = 2\n", "threshold must be between 0 and 1"),
        ("[models.x]\ntier = 'supreme'\n", "models.x.tier: Input should be"),
        ("threshold = \n", "invalid TOML"),
        (
            "[[models.x.price_tiers]]\nabove_input_tokens = 9\ninput_per_mtok = 1\n",
            "models.x.price_tiers.0.input_per_mtok: unknown key",
        ),
        (
            "[[models.x.price_tiers]]\ninput_cost_per_mtok = 1\n",
            "models.x.price_tiers.0.above_input_tokens: Field required",
        ),
        ("[[models.x.price_tiers]]\nabove_input_tokens = 0\n", "at least 1"),
        (
            (
                "[[models.x.price_tiers]]\nabove_input_tokens = 9\n[[models.x.price_tiers]]\n"
                "above_input_tokens = 9\n"
            ),
            "two tiers with the same above_input_tokens",
        ),
    ],
)
def test_invalid_config_names_file_key_and_problem(tmp_path, text, message):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_explicit_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml")


def packaged_models_with_tiers() -> list[tuple[str, dict]]:
    """Packaged models with price tiers, whichever the price map gives: the override tests
    name none, so that a refreshed packaged registry breaks none of them."""
    return [
        (name, raw)
        for name, raw in load_packaged_registry()["models"].items()
        if raw.get("price_tiers")
    ]


def test_user_models_override_and_extend_the_registry(tmp_path):
    name, raw = packaged_models_with_tiers()[0]
    path = write(
        tmp_path / "c.toml",
        """
[providers.ollama]
kind = "openai"
base_url = "http://localhost:11434/v1"

[models."llama3.2"]
provider = "ollama"
tier = "basic"
input_cost_per_mtok = 0
output_cost_per_mtok = 0
context_window = 128000

[models."NAME"]
rpm = 7

[chains]
local = ["llama3.2", "NAME"]
""".replace("NAME", name),
    )
    registry = Registry.build(load_settings(path)[0], environ={})
    llama = registry.model("llama3.2")
    assert llama.provider == "ollama" and llama.prices.input == 0 and llama.prices.known
    assert registry.has_credentials("ollama")  # no key needed
    overridden = registry.model(name)
    assert overridden.rpm == 7 and raw["rpm"] != 7
    assert overridden.prices.input == raw["input_cost_per_mtok"]  # the rest is kept
    assert (
        overridden.prices.tiers[0].above_input_tokens == raw["price_tiers"][0]["above_input_tokens"]
    )
    assert [m.name for m in registry.chain("local")] == ["llama3.2", name]
    assert registry.any_credentials()


def test_user_price_tiers_replace_the_registrys(tmp_path):
    (replaced, raw_replaced), (flat, raw_flat) = packaged_models_with_tiers()[:2]
    path = write(
        tmp_path / "c.toml",
        """
[[models."REPLACED".price_tiers]]
above_input_tokens = 128000
input_cost_per_mtok = 0.3
output_cost_per_mtok = 1.5

[models."FLAT"]
price_tiers = []

[models.local]
provider = "openai"
input_cost_per_mtok = 1
output_cost_per_mtok = 2
price_tiers = [{ above_input_tokens = 1000, input_cost_per_mtok = 3, output_cost_per_mtok = 4 }]
""".replace("REPLACED", replaced).replace("FLAT", flat),
    )
    registry = Registry.build(load_settings(path)[0], environ={})
    prices = registry.model(replaced).prices
    assert prices.input == raw_replaced["input_cost_per_mtok"]
    assert prices.tiers == (PriceTier(128_000, 0.3, 1.5),)
    assert compute_cost(Usage(200_000, 1000), prices) == pytest.approx(
        (200_000 * 0.3 + 1000 * 1.5) / 1e6
    )
    prices = registry.model(flat).prices
    above = raw_flat["price_tiers"][0]["above_input_tokens"] + 1  # past the tier it had
    assert prices.tiers == () and compute_cost(Usage(above, 1000), prices) == pytest.approx(
        (above * raw_flat["input_cost_per_mtok"] + 1000 * raw_flat["output_cost_per_mtok"]) / 1e6
    )
    local = registry.model("local").prices
    assert compute_cost(Usage(2000, 10), local) == pytest.approx((2000 * 3 + 10 * 4) / 1e6)
    assert compute_cost(Usage(2000, 10, cache_read_tokens=5), local) is None


def test_a_new_model_needs_a_known_provider(tmp_path):
    path = write(tmp_path / "c.toml", "[models.x]\ntier = 'basic'\n")
    with pytest.raises(ConfigError, match=r"models\.x\.provider: required"):
        Registry.build(load_settings(path)[0], environ={})
    path = write(tmp_path / "d.toml", "[models.x]\nprovider = 'nowhere'\n")
    with pytest.raises(ConfigError, match="unknown provider 'nowhere'"):
        Registry.build(load_settings(path)[0], environ={})


def test_chain_with_unknown_model_is_a_config_error(tmp_path):
    path = write_config(tmp_path / "c.toml", "[chains]\nmine = ['test-small-oo']\n")
    with pytest.raises(ConfigError, match="did you mean test-small-o"):
        Registry.build(load_settings(path)[0], environ={})


def test_comma_chains_and_unknown_chain_names():
    registry = Registry.build(base_settings(), environ={})
    assert [m.name for m in registry.chain("test-small-o, test-small-a")] == [
        "test-small-o",
        "test-small-a",
    ]
    with pytest.raises(UsageError, match="did you mean test-mixed"):
        registry.chain("test-mixd")


def test_credentials_come_from_the_standard_variables():
    registry = Registry.build(base_settings(), environ={"ANTHROPIC_AUTH_TOKEN": "t"})
    assert registry.has_credentials("anthropic") and not registry.has_credentials("openai")
