"""Regenerate orchestrator_tui/data/models.toml from LiteLLM's price map.

Usage: python tools/build_registry.py ../shared/data/prices/anthropic-openai-prices.json

The tiers and rate limits below are orch's own choices (prices never are): every price
comes from the price map, and a model without a price in it gets none.
"""

import json
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
    "mixed": ["claude-haiku-5-5", "gpt-6-luna", "gpt-6.1-terra", "claude-sonnet-5-5",
              "claude-opus-5-5", "gpt-6-astra"],
    "anthropic": ["claude-haiku-5-5", "claude-haiku-4-5", "claude-sonnet-5-5", "claude-opus-5-5"],
    "openai": ["gpt-6-luna", "gpt-5.6-luna", "gpt-6.1-terra", "gpt-6.1-sol", "gpt-6-astra"],
    "fast": ["claude-haiku-5-5", "gpt-6-luna", "gpt-5.6-luna"],
}

HEADER = """\
# orch's packaged model registry.
# Prices: USD per million tokens, from LiteLLM's public price map
# (model_prices_and_context_window_backup.json in the litellm 1.110.2 wheel, MIT licence),
# as of 2026-11-26. A price the map does not give is left out: such a model has no price.
# Tiers and rate limits (rpm, tpm) are orch's defaults, not the providers' figures: the limits
# are conservative entry-level values; set your own account's limits in config.toml.
source = "litellm 1.110.2 model_prices_and_context_window_backup.json"
source_date = "2026-11-26"
"""


def per_million(value):
    return None if value is None else round(value * 1_000_000, 6)


def entry(name, data, tier, rpm, tpm):
    fields = {
        "provider": data["litellm_provider"],
        "tier": tier,
        "input_cost_per_mtok": per_million(data.get("input_cost_per_token")),
        "output_cost_per_mtok": per_million(data.get("output_cost_per_token")),
        "cache_read_cost_per_mtok": per_million(data.get("cache_read_input_token_cost")),
        "cache_write_cost_per_mtok": per_million(data.get("cache_creation_input_token_cost")),
        "context_window": data.get("max_input_tokens"),
        "max_output": data.get("max_output_tokens"),
        "reasoning": bool(data.get("supports_reasoning")),
        "rpm": rpm,
        "tpm": tpm,
    }
    lines = [f'\n[models."{name}"]']
    for key, value in fields.items():
        if value is None:
            continue
        lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def main(path):
    models = json.loads(Path(path).read_text())["models"]
    body = "".join(entry(n, models[n], *CHOSEN[n]) for n in CHOSEN)
    body += "\n[chains]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in CHAINS.items())
    out = Path(__file__).parent.parent / "orchestrator_tui" / "data" / "models.toml"
    out.write_text(HEADER + body)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1])
