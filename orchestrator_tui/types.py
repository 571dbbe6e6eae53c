"""Plain data types shared by the engine, the providers and the front ends.

Frozen dataclasses rather than pydantic models: they cost nothing to import, which keeps
one-shot commands fast. User input is validated in `config.py` before it becomes these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

TIERS = ("basic", "intermediate", "advanced", "expert")


def tier_rank(tier: str) -> int:
    """0 for basic up to 3 for expert."""
    return TIERS.index(tier)


@dataclass(frozen=True)
class PriceTier:
    """The prices of a whole call (input, output and cache tokens) whose input, cached tokens
    included, exceeds `above_input_tokens`. None where the price is not known: a tier never
    borrows the flat price."""

    above_input_tokens: int
    input: float | None = None
    output: float | None = None
    cache_read: float | None = None
    cache_write: float | None = None


@dataclass(frozen=True)
class Prices:
    """USD per million tokens; None where the price is not known. `tiers` replace these
    prices for calls whose input exceeds their threshold. `batch`: the prices of the calls of
    a provider batch (with their own tiers), None when no batch price is known."""

    input: float | None = None
    output: float | None = None
    cache_read: float | None = None
    cache_write: float | None = None
    tiers: tuple[PriceTier, ...] = ()
    batch: Prices | None = None

    @property
    def known(self) -> bool:
        return self.input is not None and self.output is not None

    @property
    def any_known(self) -> bool:
        """Whether any price, flat or tier, is known (batch prices aside)."""
        flat = (self.input, self.output, self.cache_read, self.cache_write)
        tiers = [(t.input, t.output, t.cache_read, t.cache_write) for t in self.tiers]
        return any(price is not None for prices in (flat, *tiers) for price in prices)

    @property
    def batch_prices(self) -> Prices:
        """What a provider batch's call pays: `batch`, or no known price when there is none
        (never these prices, nor a fraction of them)."""
        return self.batch or Prices()

    def charged(self, batch: bool = False) -> Prices:
        """The prices a call pays: these, or `batch_prices` for a call of a provider batch."""
        return self.batch_prices if batch else self

    def tier_for(self, input_tokens: int) -> PriceTier | None:
        """The tier a call with this many input tokens pays: the highest threshold it
        exceeds, or None for the base prices."""
        exceeded = [t for t in self.tiers if input_tokens > t.above_input_tokens]
        return max(exceeded, key=lambda t: t.above_input_tokens, default=None)

    def at(self, input_tokens: int) -> Prices:
        """The flat prices (no tiers) a call with this many input tokens pays."""
        tier = self.tier_for(input_tokens)
        if tier is None:
            return Prices(self.input, self.output, self.cache_read, self.cache_write)
        return Prices(tier.input, tier.output, tier.cache_read, tier.cache_write)


@dataclass(frozen=True)
class ModelConfig:
    """One model as orch knows it: who serves it, what it costs, what it can do."""

    name: str
    provider: str
    tier: str = "intermediate"
    prices: Prices = field(default_factory=Prices)
    context_window: int | None = None
    max_output: int | None = None
    reasoning: bool = False
    rpm: int | None = None
    tpm: int | None = None
    api_name: str | None = None  # the name sent to the API when it differs from `name`

    @property
    def wire_name(self) -> str:
        return self.api_name or self.name

    def covers(self, level: str) -> bool:
        """Whether this model's tier is at or above a complexity level."""
        return tier_rank(self.tier) >= tier_rank(level)

    def with_changes(self, **changes) -> ModelConfig:
        return replace(self, **changes)


@dataclass(frozen=True)
class ProviderConfig:
    """A provider endpoint: `kind` is its wire format, a provider kind (see providers.kinds)."""

    name: str
    kind: str
    base_url: str | None = None
    api_key_env: str | None = None
    base_url_env: str | None = None  # where the SDK's standard endpoint variable is read
    stream_usage: bool = True  # openai kind: the stream ends with its usage, or is cut short
    other_key_envs: tuple[str, ...] = ()  # read by the SDK when api_key_env is unset


@dataclass(frozen=True)
class Message:
    role: str  # "user" or "assistant"
    content: str


@dataclass
class Usage:
    """Token counts as the API reported them. `input_tokens` includes cached tokens."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    billed_cost: float | None = None  # USD, when the endpoint reports what it charged

    def __add__(self, other: Usage) -> Usage:
        billed = (
            None
            if self.billed_cost is None and other.billed_cost is None
            else (self.billed_cost or 0.0) + (other.billed_cost or 0.0)
        )
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
            billed,
        )

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.input_tokens,
            self.output_tokens,
            self.cache_read_tokens,
            self.cache_write_tokens,
            self.reasoning_tokens,
        )

    def as_dict(self) -> dict[str, int]:
        return dict(
            zip(
                (
                    "input_tokens",
                    "output_tokens",
                    "cache_read_tokens",
                    "cache_write_tokens",
                    "reasoning_tokens",
                ),
                self.as_tuple(),
                strict=True,
            )
        )
