"""Regenerate orchestrator_tui/data/models.toml from LiteLLM's price map.

Usage: python tools/build_registry.py ../shared/data/prices/anthropic-openai-prices.json

The tiers and rate limits below are orch's own choices (prices never are): every price
comes from the price map, and a model without a price in it gets none.

Prices above a prompt size (`input_cost_per_token_above_272k_tokens` and its output, cache
read and cache write companions) become `[[models."x".price_tiers]]` tables. Batch prices
(`input_cost_per_token_batches` and its companions, and per tier
`input_cost_per_token_above_272k_tokens_batches` and its) become the `batch_` prices of the
model and of its tiers. The flex, priority, 1-hour/12-hour cache and other variants are left
out. A price the map does not give is left out too: unknown, never the flat price, nor half of
it for a batch.
"""

import json
import re
import sys
from pathlib import Path

# name -> (tier, rpm, tpm). Tiers: cheap small models cover basic+intermediate,
# mid models add advanced, flagships add expert.
CHOSEN = {
    "claude-haiku-5-5": ("intermediate", 50, 50_000),
    "claude-haiku-4-5": ("intermediate", 50, 50_000),
    "claude-sonnet-5-5": ("advanced", 50, 50_000),
    "claude-sonnet-4-6": ("advanced", 50, 50_000),
    "claude-opus-5-5": ("expert", 50, 50_000),
    "claude-mythos-5-1": ("expert", 50, 50_000),
    "gpt-6-luna": ("intermediate", 500, 200_000),
    "gpt-5.6-luna": ("intermediate", 500, 200_000),
    "gpt-6.1-terra": ("advanced", 500, 200_000),
    "gpt-6.1-sol": ("advanced", 500, 200_000),
    "gpt-5.5": ("expert", 500, 200_000),
    "gpt-6-astra": ("expert", 500, 200_000),
}

# Named chains, cheapest first; `fast` holds only the cheapest models.
CHAINS = {
    "mixed": [
        "claude-haiku-5-5",
        "gpt-6-luna",
        "gpt-6.1-terra",
        "claude-sonnet-5-5",
        "claude-opus-5-5",
        "gpt-6-astra",
    ],
    "anthropic": ["claude-haiku-5-5", "claude-haiku-4-5", "claude-sonnet-5-5", "claude-opus-5-5"],
    "openai": ["gpt-6-luna", "gpt-5.6-luna", "gpt-6.1-terra", "gpt-6.1-sol", "gpt-6-astra"],
    "fast": ["claude-haiku-5-5", "gpt-6-luna", "gpt-5.6-luna"],
}

HEADER = """\
# orch's packaged model registry.
# Prices: USD per million tokens, from LiteLLM's public price map
# (model_prices_and_context_window_backup.json in the litellm 1.110.2 wheel, MIT licence),
# as of 2026-11-26. A price the map does not give is left out: such a model has no price.
# [[models."x".price_tiers]]: the prices of a whole call whose input, cached tokens included,
# exceeds above_input_tokens (the map's *_above_Nk_tokens fields; a price it lacks is unknown).
# batch_*: the prices of a call in a provider batch (the map's *_batches fields, in its copy
# refreshed 2026-11-27); a model or tier without them has no batch price.
# Tiers and rate limits (rpm, tpm) are orch's defaults, not the providers' figures: the limits
# are conservative entry-level values; set your own account's limits in config.toml.
source = "litellm 1.110.2 model_prices_and_context_window_backup.json"
source_date = "2026-11-26"
"""


# The four kinds of price, as (LiteLLM field, orch key).
STANDARD_KINDS = (
    ("input_cost_per_token", "input_cost_per_mtok"),
    ("output_cost_per_token", "output_cost_per_mtok"),
    ("cache_read_input_token_cost", "cache_read_cost_per_mtok"),
    ("cache_creation_input_token_cost", "cache_write_cost_per_mtok"),
)
# ...and in a provider batch: input_cost_per_token_batches -> batch_input_cost_per_mtok.
BATCH_KINDS = tuple((f"{field}_batches", f"batch_{key}") for field, key in STANDARD_KINDS)
PRICE_KINDS = STANDARD_KINDS + BATCH_KINDS
# e.g. input_cost_per_token_above_272k_tokens, input_cost_per_token_above_272k_tokens_batches;
# not ..._above_272k_tokens_flex, not ..._above_1hr
TIER_FIELD = re.compile(
    r"^(?P<kind>\w+?)_above_(?P<count>\d+)(?P<k>k?)_tokens(?P<batch>_batches)?$"
)


def per_million(value):
    return None if value is None else round(value * 1_000_000, 6)


def toml_lines(header: str, fields: dict) -> str:
    lines = [header] + [
        f"{key} = {json.dumps(value)}" for key, value in fields.items() if value is not None
    ]
    return "\n".join(lines) + "\n"


def tier_prices(name: str, data: dict) -> dict[int, dict[str, float]]:
    """{prompt size: {orch key: price per mtok}} from the tier fields, standard and batch,
    smallest first. A tier is a prompt size with standard prices: a batch price at a size
    without any is not handled (an error, not a guess)."""
    orch_key = dict(PRICE_KINDS)
    tiers: dict[int, dict[str, float]] = {}
    for field, value in data.items():
        match = TIER_FIELD.match(field)
        if match is None:
            continue
        kind = match["kind"] + (match["batch"] or "")
        if kind in orch_key:
            threshold = int(match["count"]) * (1000 if match["k"] else 1)
            tiers.setdefault(threshold, {})[orch_key[kind]] = per_million(value)
    standard = {key for _, key in STANDARD_KINDS}
    for threshold, prices in tiers.items():
        if not standard & set(prices):
            sys.exit(f"{name}: batch prices above {threshold} tokens but no standard tier there")
    return dict(sorted(tiers.items()))


def price_tiers(name: str, data: dict) -> str:
    tables = []
    for threshold, prices in tier_prices(name, data).items():
        fields: dict[str, float | int | None] = {"above_input_tokens": threshold}
        fields.update({key: prices.get(key) for _, key in PRICE_KINDS})
        tables.append(toml_lines(f'\n[[models."{name}".price_tiers]]', fields))
    return "".join(tables)


def entry(name, data, tier, rpm, tpm):
    fields = {
        "provider": data["litellm_provider"],
        "tier": tier,
        **{key: per_million(data.get(kind)) for kind, key in PRICE_KINDS},
        "context_window": data.get("max_input_tokens"),
        "max_output": data.get("max_output_tokens"),
        "reasoning": bool(data.get("supports_reasoning")),
        "rpm": rpm,
        "tpm": tpm,
    }
    return toml_lines(f'\n[models."{name}"]', fields) + price_tiers(name, data)


def render(models: dict) -> str:
    """The registry's TOML text from the price map's `models`."""
    body = "".join(entry(n, models[n], *CHOSEN[n]) for n in CHOSEN)
    body += "\n[chains]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in CHAINS.items())
    return HEADER + body


def main(path):
    models = json.loads(Path(path).read_text())["models"]
    out = Path(__file__).parent.parent / "orchestrator_tui" / "data" / "models.toml"
    out.write_text(render(models))
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1])
