"""The user's settings: TOML, validated with pydantic, unknown keys rejected.

The settings are stdlib dataclasses with their defaults; pydantic validates a file against
them. Importing pydantic and building the validator costs ~0.1-0.2 s of CPU and 10 MiB, so a
file that validated is remembered (`settings-cache.json` in the data dir, keyed by the file's
path, its contents' SHA-256, orch's version and this module's own size and mtime): the next
commands rebuild the dataclasses from the cache and pydantic is imported only when the file
(or orch) changes.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from .errors import ConfigError
from .locations import default_config_path

STRICT = {"extra": "forbid"}  # pydantic ConfigDict: unknown keys are errors

Tier = Literal["basic", "intermediate", "advanced", "expert"]


@dataclass
class TimeoutSettings:
    __pydantic_config__ = STRICT
    connect: float = 10.0
    """Seconds to open a connection."""
    first_token: float = 60.0
    """Seconds from sending a request to its first streamed token."""
    total: float = 300.0
    """Seconds for a whole call, streaming included."""


@dataclass
class RetrySettings:
    __pydantic_config__ = STRICT
    max_retries: int = 2
    """Retries per model after the first try (429, 5xx, 529, timeouts, broken streams)."""
    base_delay: float = 0.5
    """First backoff in seconds; doubles each retry, with jitter."""
    max_delay: float = 8.0
    """Longest backoff in seconds (a server's retry-after is honoured beyond it, up to 120 s)."""
    rate_limit_retries: int = 6
    """Retries per model after a 429; each one also slows every request to the model."""


@dataclass
class BudgetSettings:
    __pydantic_config__ = STRICT
    daily: float | None = None
    """USD per calendar day (local time); `orch budget set` overrides it."""
    monthly: float | None = None
    """USD per calendar month."""
    warn_at: float = 0.8
    """Warn when this share of a budget is spent."""


@dataclass
class ProviderEntry:
    __pydantic_config__ = STRICT
    kind: str = "openai"
    """Wire format: "anthropic", "openai" (OpenAI-compatible endpoints such as Ollama and vLLM
    too), or a kind an installed plugin adds (see providers.kinds)."""
    base_url: str | None = None
    api_key_env: str | None = None
    """Environment variable holding the key; none for a local server that needs no key."""
    stream_usage: bool = True
    """openai kind: the server reports usage at the end of a stream (a stream that ends
    without it was cut short). False for a server that cannot: its usage is estimated."""

    def __post_init__(self):
        from .providers.kinds import check_kind

        check_kind(self.kind)


@dataclass
class PriceTierEntry:
    """Prices for a whole call whose input (cached tokens included) exceeds
    `above_input_tokens`; a price left out is unknown, not the model's flat price."""

    __pydantic_config__ = STRICT
    above_input_tokens: int
    input_cost_per_mtok: float | None = None
    output_cost_per_mtok: float | None = None
    cache_read_cost_per_mtok: float | None = None
    cache_write_cost_per_mtok: float | None = None
    batch_input_cost_per_mtok: float | None = None
    """The tier's input price in a provider batch; left out: unknown, not the flat one."""
    batch_output_cost_per_mtok: float | None = None
    """The tier's output price in a provider batch."""
    batch_cache_read_cost_per_mtok: float | None = None
    """The tier's cache-read price in a provider batch."""
    batch_cache_write_cost_per_mtok: float | None = None
    """The tier's cache-write price in a provider batch."""

    def __post_init__(self):
        if self.above_input_tokens < 1:
            raise ValueError("above_input_tokens must be at least 1")


@dataclass
class ModelEntry:
    """A new model, or an override of some fields of a registry model."""

    __pydantic_config__ = STRICT
    provider: str | None = None
    tier: Tier | None = None
    input_cost_per_mtok: float | None = None
    output_cost_per_mtok: float | None = None
    cache_read_cost_per_mtok: float | None = None
    cache_write_cost_per_mtok: float | None = None
    batch_input_cost_per_mtok: float | None = None
    """USD per million input tokens in a provider batch (often half the price). A batch
    price left out is unknown: never the standard price, nor half of it."""
    batch_output_cost_per_mtok: float | None = None
    """USD per million output tokens in a provider batch."""
    batch_cache_read_cost_per_mtok: float | None = None
    """USD per million cache-read tokens in a provider batch."""
    batch_cache_write_cost_per_mtok: float | None = None
    """USD per million cache-write tokens in a provider batch."""
    context_window: int | None = None
    max_output: int | None = None
    reasoning: bool | None = None
    rpm: int | None = None
    tpm: int | None = None
    api_name: str | None = None
    price_tiers: list[PriceTierEntry] | None = None
    """Replace the model's price tiers, their batch prices included (`[]`: flat prices at any
    prompt size)."""

    def __post_init__(self):
        thresholds = [tier.above_input_tokens for tier in self.price_tiers or ()]
        if len(set(thresholds)) < len(thresholds):
            raise ValueError("price_tiers: two tiers with the same above_input_tokens")


@dataclass
class Settings:
    __pydantic_config__ = STRICT
    default_strategy: str = "fallback"
    """How `orch ask` picks models when no -s is given."""
    default_chain: str = "mixed"
    """The chain a run uses when it names none (`orch chains` lists them)."""
    packaged_models: bool = True
    """False: orch knows only the models and chains this file defines, not its packaged
    registry's (set default_chain to one of yours)."""
    threshold: float = 0.6
    """Confidence below which `fallback` escalates (0–1)."""
    max_tokens: int = 2048
    """Most output tokens per call."""
    temperature: float | None = None
    """Sampling temperature (0–2); unset: each model's own default."""
    ensemble_size: int = 3
    """Models an `ensemble` asks at once."""
    consensus_size: int = 2
    """Answers that must agree for `consensus` (at least 2)."""
    judge_model: str | None = None
    """The model `orch router judge` asks to grade answers."""
    demo: Literal["auto", "always", "never"] = "auto"
    """auto: the demo provider runs when no provider has a key."""
    demo_speed: float = 1.0
    """Demo latency multiplier; 0 answers at once."""
    log_prompts: bool = True
    """False: history keeps costs and tokens but not prompts and responses."""
    cursor_blink: bool = True
    """The TUI's prompt editor cursor blinks; false keeps it steady."""
    cache: bool = True
    """Answer a repeated prompt from the response cache."""
    cache_ttl: float = 86400.0
    """Seconds a cached answer stays fresh."""
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    timeouts: TimeoutSettings = field(default_factory=TimeoutSettings)
    retries: RetrySettings = field(default_factory=RetrySettings)
    providers: dict[str, ProviderEntry] = field(default_factory=dict)
    models: dict[str, ModelEntry] = field(default_factory=dict)
    chains: dict[str, list[str]] = field(default_factory=dict)
    chain_thresholds: dict[str, float] = field(default_factory=dict)
    """A chain's own confidence threshold (the TUI's chain editor writes these)."""

    def __post_init__(self):
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError("threshold must be between 0 and 1")
        if self.max_tokens < 1 or self.ensemble_size < 1:
            raise ValueError("max_tokens and ensemble_size must be at least 1")
        if self.consensus_size < 2:
            raise ValueError("consensus_size must be at least 2")


def load_settings(path: Path | None = None) -> tuple[Settings, Path | None]:
    """Settings from `path` (which must exist) or from the default file if there is one."""
    explicit = path is not None
    path = Path(path) if path is not None else default_config_path()
    if not path.is_file():
        if explicit:
            raise ConfigError(f"{path}: no such config file")
        return Settings(), None
    return parse_settings(path), path


def parse_settings(path: Path, use_cache: bool = True) -> Settings:
    """The settings in `path`, validated; from the validated-settings cache when the file
    has not changed since it last validated (`use_cache`)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    key = cache_key(path, raw) if use_cache else None
    if key is not None and (cached := read_cached(path, key)) is not None:
        return cached
    settings = validate_settings(path, read_toml(path, raw))
    if key is not None:
        write_cached(path, key, settings)
    return settings


def read_toml(path: Path, raw: bytes) -> dict:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def validate_settings(path: Path, data: dict) -> Settings:
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(Settings).validate_python(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from exc


def describe_validation_error(exc) -> str:
    """One line: the key and what is wrong with it."""
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        message = "unknown key"
    more = exc.error_count() - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{key}: {message}{suffix}"


# The validated-settings cache ------------------------------------------------------------

CACHE_NAME = "settings-cache.json"
CACHE_ENTRIES = 8  # config files remembered (--config can name others)


def cache_path() -> Path:
    from .locations import data_dir

    return data_dir() / CACHE_NAME


def cache_key(path: Path, raw: bytes) -> str | None:
    """What a cached entry must match: the file's contents, orch's version and this module
    (the schema). None when the module cannot be stat'ed: then nothing is cached."""
    import hashlib

    from . import __version__

    try:
        schema = os.stat(__file__)
    except OSError:
        return None
    return f"{hashlib.sha256(raw).hexdigest()}:{__version__}:{schema.st_size}:{schema.st_mtime_ns}"


def read_cache() -> dict:
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_cached(path: Path, key: str) -> Settings | None:
    entry = read_cache().get(str(path.resolve()))
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    try:
        settings = settings_from_dict(entry["settings"])
    except (KeyError, TypeError, ValueError):
        return None  # a damaged entry: validate the file again
    return settings


def write_cached(path: Path, key: str, settings: Settings) -> None:
    """Remember a validated file; a cache that cannot be written is not an error."""
    entries = read_cache()
    entries.pop(str(path.resolve()), None)
    entries[str(path.resolve())] = {"key": key, "settings": asdict(settings)}
    entries = dict(list(entries.items())[-CACHE_ENTRIES:])
    target = cache_path()
    temporary = target.with_name(f".{CACHE_NAME}.{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(entries), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        temporary.unlink(missing_ok=True)


def settings_from_dict(data: dict) -> Settings:
    """Settings from `asdict` of settings that validated (trusted: not validated again)."""
    data = dict(data)
    data["budget"] = BudgetSettings(**data["budget"])
    data["timeouts"] = TimeoutSettings(**data["timeouts"])
    data["retries"] = RetrySettings(**data["retries"])
    data["providers"] = {n: ProviderEntry(**e) for n, e in data["providers"].items()}
    data["models"] = {n: model_entry_from_dict(e) for n, e in data["models"].items()}
    return Settings(**data)


def model_entry_from_dict(data: dict) -> ModelEntry:
    tiers = data.get("price_tiers")
    if tiers is None:
        return ModelEntry(**data)
    return ModelEntry(**{**data, "price_tiers": [PriceTierEntry(**t) for t in tiers]})
