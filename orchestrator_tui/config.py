"""The user's settings: TOML, validated with pydantic, unknown keys rejected.

The settings are stdlib dataclasses with their defaults; pydantic validates a file against
them, and is imported only when there is a file to validate (it costs ~200 ms to import).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import ConfigError
from .locations import default_config_path

STRICT = {"extra": "forbid"}  # pydantic ConfigDict: unknown keys are errors

Tier = Literal["basic", "intermediate", "advanced", "expert"]
Strategy = Literal["single", "cheapest", "fallback", "ensemble", "consensus", "learned"]


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
    context_window: int | None = None
    max_output: int | None = None
    reasoning: bool | None = None
    rpm: int | None = None
    tpm: int | None = None
    api_name: str | None = None
    price_tiers: list[PriceTierEntry] | None = None
    """Replace the model's price tiers (`[]`: flat prices at any prompt size)."""

    def __post_init__(self):
        thresholds = [tier.above_input_tokens for tier in self.price_tiers or ()]
        if len(set(thresholds)) < len(thresholds):
            raise ValueError("price_tiers: two tiers with the same above_input_tokens")


@dataclass
class Settings:
    __pydantic_config__ = STRICT
    default_strategy: Strategy = "fallback"
    default_chain: str = "mixed"
    threshold: float = 0.6
    """Confidence below which `fallback` escalates (0–1)."""
    max_tokens: int = 2048
    temperature: float | None = None
    ensemble_size: int = 3
    consensus_size: int = 2
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
    path = Path(path) if explicit else default_config_path()
    if not path.is_file():
        if explicit:
            raise ConfigError(f"{path}: no such config file")
        return Settings(), None
    return parse_settings(path), path


def parse_settings(path: Path) -> Settings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
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
