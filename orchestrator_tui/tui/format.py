"""Small text helpers for the TUI's labels."""

from __future__ import annotations

BAR_CELLS = 10


def money(cost: float | None) -> str:
    if cost is None:
        return "$?"
    return f"${cost:.6f}" if cost < 0.01 else f"${cost:.4f}"


def confidence_bar(confidence: float | None) -> str:
    if confidence is None:
        return ""
    filled = round(confidence * BAR_CELLS)
    colour = "green" if confidence >= 0.6 else "yellow" if confidence >= 0.4 else "red"
    return f"[{colour}]{'█' * filled}[/][dim]{'░' * (BAR_CELLS - filled)}[/] {confidence:.2f}"
