"""Numbers and money as both front ends show them: the one place for costs, limits and
prices, so the CLI and the TUI never disagree on what a figure looks like."""

from __future__ import annotations


def cost_text(cost: float | None, estimated: bool = False, unknown: str = "unknown") -> str:
    """`$0.001234` (6 decimals under a cent, else 4); `~$0.001234` when the usage behind it
    is orch's estimate; `unknown` when there is no price."""
    if cost is None:
        return unknown
    amount = f"${cost:.6f}" if abs(cost) < 0.01 else f"${cost:.4f}"
    return f"~{amount}" if estimated else amount


def usd(amount: float) -> str:
    """A limit or a balance: cents when they say enough, more digits when they do not."""
    return f"${amount:.2f}" if amount == 0 or abs(amount) >= 1 else f"${amount:.6g}"


def price_text(price: float | None) -> str:
    """A price per million tokens, `—` when unknown."""
    return "—" if price is None else f"{price:g}"
