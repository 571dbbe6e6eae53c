"""The models, providers and chains orch can use: the packaged registry plus the user's config."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources

from .config import ModelEntry, PriceTierEntry, ProviderEntry, Settings
from .errors import ConfigError, UsageError
from .providers.kinds import builtin_providers
from .types import ModelConfig, Prices, PriceTier, ProviderConfig

PRICE_FIELDS = {
    "input": "input_cost_per_mtok",
    "output": "output_cost_per_mtok",
    "cache_read": "cache_read_cost_per_mtok",
    "cache_write": "cache_write_cost_per_mtok",
}
BATCH_PRICE_FIELDS = {kind: f"batch_{key}" for kind, key in PRICE_FIELDS.items()}
PLAIN_FIELDS = (
    "provider",
    "tier",
    "context_window",
    "max_output",
    "reasoning",
    "rpm",
    "tpm",
    "api_name",
)


NO_PACKAGED_MODELS: dict = {"models": {}, "chains": {}, "source": "the config file's prices"}


def load_packaged_registry() -> dict:
    text = resources.files("orchestrator_tui").joinpath("data/models.toml").read_text("utf-8")
    return tomllib.loads(text)


@dataclass
class Registry:
    """Every model, provider and chain in effect, and which providers have credentials."""

    models: dict[str, ModelConfig]
    providers: dict[str, ProviderConfig]
    chains: dict[str, list[str]]
    source: str = ""
    source_date: str = ""
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    @classmethod
    def build(cls, settings: Settings, environ: dict[str, str] | None = None) -> Registry:
        """The registry for `settings`. `environ`: the variables to read keys and base URLs
        from; None reads the process's, plus the keys stored by `orch keys set` for the
        providers whose own variable is not set (the variable takes precedence)."""
        packaged = load_packaged_registry() if settings.packaged_models else NO_PACKAGED_MODELS
        providers = builtin_providers()
        providers.update({n: provider_from_entry(n, e) for n, e in settings.providers.items()})
        models = {
            n: merge_model(None, n, packaged_entry(raw)) for n, raw in packaged["models"].items()
        }
        for name, entry in settings.models.items():
            models[name] = merge_model(models.get(name), name, entry)
        chains = {**packaged["chains"], **settings.chains}
        if environ is None:
            environ = with_stored_keys(dict(os.environ), providers)
        registry = cls(
            models,
            providers,
            chains,
            packaged.get("source", ""),
            packaged.get("source_date", ""),
            environ,
        )
        registry.check()
        return registry

    def check(self) -> None:
        for model in self.models.values():
            if model.provider not in self.providers:
                raise ConfigError(
                    f"models.{model.name}.provider: unknown provider "
                    f"{model.provider!r} (add it under [providers.{model.provider}])"
                )
        for chain, names in self.chains.items():
            for name in names:
                if name not in self.models:
                    raise ConfigError(
                        f"chains.{chain}: unknown model {name!r}{hint(name, self.models)}"
                    )

    def model(self, name: str) -> ModelConfig:
        if name not in self.models:
            raise UsageError(f"unknown model {name!r}{hint(name, self.models)}")
        return self.models[name]

    def chain(self, spec: str) -> list[ModelConfig]:
        """A named chain, or a comma-separated list of model names."""
        if "," not in spec and spec not in self.chains and spec not in self.models:
            raise UsageError(f"unknown chain {spec!r}{hint(spec, [*self.chains, *self.models])}")
        names = self.chains.get(spec) or [part.strip() for part in spec.split(",") if part.strip()]
        return [self.model(name) for name in names]

    def has_credentials(self, provider_name: str) -> bool:
        provider = self.providers[provider_name]
        if provider.api_key_env is None:
            return True  # a local server that needs no key
        return credential_variable(provider, self.environ) is not None

    def any_credentials(self) -> bool:
        used = {model.provider for model in self.models.values()}
        return any(self.has_credentials(name) for name in used)


def credential_variable(provider: ProviderConfig, environ: Mapping[str, str]) -> str | None:
    """The variable of `environ` that gives `provider` its credentials, if any."""
    names = (provider.api_key_env, *provider.other_key_envs) if provider.api_key_env else ()
    return next((name for name in names if environ.get(name)), None)


def with_stored_keys(environ: dict[str, str], providers: dict[str, ProviderConfig]) -> dict:
    """`environ` plus the stored key of each provider that has none in it."""
    from .keys import load_keys

    for name, key in load_keys().items():
        provider = providers.get(name)
        if (
            provider is not None
            and provider.api_key_env
            and credential_variable(provider, environ) is None
        ):
            environ[provider.api_key_env] = key
    return environ


def hint(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def provider_from_entry(name: str, entry: ProviderEntry) -> ProviderConfig:
    return ProviderConfig(
        name, entry.kind, entry.base_url, entry.api_key_env or None, stream_usage=entry.stream_usage
    )


def packaged_entry(raw: dict) -> ModelEntry:
    """A packaged registry entry (trusted, so not validated with pydantic)."""
    tiers = raw.get("price_tiers")
    if tiers is None:
        return ModelEntry(**raw)
    return ModelEntry(**{**raw, "price_tiers": [PriceTierEntry(**t) for t in tiers]})


def price_tier(entry: PriceTierEntry, fields: dict[str, str] = PRICE_FIELDS) -> PriceTier:
    return PriceTier(entry.above_input_tokens, **{k: getattr(entry, f) for k, f in fields.items()})


def merge_model(base: ModelConfig | None, name: str, entry: ModelEntry) -> ModelConfig:
    """`base` with the fields `entry` sets; a new model when there is no base."""
    if base is None:
        if entry.provider is None:
            raise ConfigError(
                f"models.{name}.provider: required for a model that is not in the registry"
            )
        base = ModelConfig(name=name, provider=entry.provider)
    plain = {f: getattr(entry, f) for f in PLAIN_FIELDS if getattr(entry, f) is not None}
    return base.with_changes(**plain, prices=merge_prices(base.prices, entry))


def merge_prices(base: Prices, entry: ModelEntry) -> Prices:
    """`base` with the prices `entry` sets: flat prices one by one, tiers all at once. The
    batch prices merge the same way, from the batch_ fields (none known: `batch` is None)."""
    batch = price_changes(base.batch or Prices(), entry, BATCH_PRICE_FIELDS)
    return replace(
        price_changes(base, entry, PRICE_FIELDS), batch=batch if batch.any_known else None
    )


def price_changes(base: Prices, entry: ModelEntry, fields: dict[str, str]) -> Prices:
    changes: dict = {k: getattr(entry, f) for k, f in fields.items()}
    changes = {k: price for k, price in changes.items() if price is not None}
    if entry.price_tiers is not None:
        tiers = (price_tier(t, fields) for t in entry.price_tiers)
        changes["tiers"] = tuple(sorted(tiers, key=lambda tier: tier.above_input_tokens))
    return replace(base, **changes)
