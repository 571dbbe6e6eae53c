"""Figures as the TUI shows them, each one labelled: confidence, an ensemble's verdict under a
pane, counts, money (real apart from demo), prices and the cost-per-request sparkline.

Pure functions returning text (Rich markup at most), so they are tested without an app.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..formatting import cost_text, price_text
from ..heuristics.synthesis import consensus_level

BAR_CELLS = 10
SPARK_BARS = "▁▂▃▄▅▆▇█"
NOTHING_SPENT = "·"  # a request that cost nothing (a cache hit): seen, but no bar


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 request`, `0 requests`, `2 cache hits`."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def confidence_label(confidence: float | None) -> str:
    """`conf 0.70` and a bar of ten cells, coloured by level; "" when there is none."""
    if confidence is None:
        return ""
    filled = round(confidence * BAR_CELLS)
    colour = "green" if confidence >= 0.6 else "yellow" if confidence >= 0.4 else "red"
    bar = f"[{colour}]{'█' * filled}[/][dim]{'░' * (BAR_CELLS - filled)}[/]"
    return f"conf {confidence:.2f} {bar}"


def verdict_note(attempt: Any, verdict: Any, agreement: Any) -> str | None:
    """The note under a pane once the result is in, or None when there is nothing to say.

    attempt: the pane's finished Attempt (None while it has none).
    verdict: the ensemble's EnsembleVerdict, or None.
    agreement: the consensus strategy's Agreement, or None.
    """
    if attempt is None:
        return None
    score = verdict.score_of(attempt.attempt_id) if verdict is not None else None
    if not attempt.accepted and score is None:
        return None
    parts = ["★ winner"] if attempt.accepted else []
    if score is not None:
        parts.append(f"score {score.score:.2f}")
    if attempt.accepted and verdict is not None:
        parts.append(consensus_text(verdict, score))
    if attempt.accepted and agreement is not None:
        parts.append(agreement_text(agreement))
    return "  ".join(parts)


def consensus_text(verdict: Any, winner: Any) -> str:
    """How far the others agree with the winning answer: "high" only when another answer
    said the same; never for a single answer, nor for a winner the others disagree with."""
    if len(verdict.scores) < 2 or winner is None:
        return "one answer: no consensus"
    level = consensus_level(winner.agreement)
    return f"consensus {level} ({winner.agreement:.2f})"


def agreement_text(agreement: Any) -> str:
    """The consensus strategy's count of models that gave the accepted answer."""
    if agreement.agreed > 1:
        return f"{agreement.agreed} models agree"
    return "no agreement"


def money_text(real: float, demo: float, has_demo: bool) -> str:
    """`$0.004200` alone, or `$0.004200 real · $0.0100 demo` once demo money was spent."""
    if not has_demo:
        return cost_text(real)
    return f"{cost_text(real)} real · {cost_text(demo)} demo"


def price_label(input_price: float | None, output_price: float | None) -> str:
    """A model's prices per million tokens: `$3 in · $15 out per Mtok`, or `no price`."""
    if input_price is None and output_price is None:
        return "no price"
    return f"${price_text(input_price)} in · ${price_text(output_price)} out per Mtok"


def cost_sparkline(costs: Sequence[float], width: int, height: int = 1) -> str:
    """The last `width` requests' costs, one column each, scaled from $0 to the highest
    shown: bars compare costs, and a single request is not a full block."""
    shown = list(costs)[-width:] if width > 0 else []
    if not shown:
        return ""
    top = max(shown)
    levels = [eighths(cost, top, height) for cost in shown]
    rows = ("".join(cell(level, row) for level in levels) for row in range(height))
    return "\n".join(reversed(list(rows)))


def eighths(cost: float, top: float, height: int) -> int:
    """A cost as a bar height in eighths of a row: at least one eighth when it cost anything."""
    if cost <= 0 or top <= 0:
        return 0
    return max(1, round(cost / top * 8 * height))


def cell(level: int, row: int) -> str:
    """The character of row `row` (0 at the bottom) of a bar `level` eighths high."""
    if level == 0:
        return NOTHING_SPENT if row == 0 else " "
    filled = level - row * 8
    if filled <= 0:
        return " "
    return SPARK_BARS[min(filled, 8) - 1]


def dashboard_summary(session: Any, budget_state: Any) -> str:
    """The dashboard in one line, for a terminal too narrow for it:
    `$0.004200 · 3 requests · 12% of daily budget`.

    session: the TUI Session (its figures as last refreshed).
    budget_state: the daily BudgetState of real money, or None when no budget is set.
    """
    figures = session.figures
    parts = [
        money_text(figures.real_cost, figures.demo_cost, figures.has_demo),
        plural(len(figures.requests), "request"),
    ]
    if figures.cache_hits:
        parts.append(plural(figures.cache_hits, "cache hit"))
    if budget_state is not None:
        parts.append(f"{budget_state.share:.0%} of daily budget")
    return " · ".join(parts)
