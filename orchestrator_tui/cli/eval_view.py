"""Terminal views of an evaluation: the table, the goal lines and the cost–quality plot."""

from __future__ import annotations

import math
import sys
import textwrap

from ..evaluation.summary import best_single, goal_lines, label, relative
from .tables import aligned


def print_table(result: dict) -> None:
    best = best_single(result["rows"])
    table = [("strategy", "score", "cost (USD)", "score/best", "cost/best")]
    for row in result["rows"]:
        score, cost = relative(row, best)
        table.append(
            (label(row), f"{row['score']:.4f}", f"{row['cost']:.4f}", f"{score:.1%}", f"{cost:.1%}")
        )
    plural = "s" if result["n"] != 1 else ""
    print(
        f"{result['dataset']}: {result['n']:,} prompt{plural}, {result['method']}; "
        f"best single model: {best['params']['model']}"
    )
    print("\n".join(aligned(table, right_aligned={1, 2, 3, 4})))
    print()
    print("\n".join(goal_lines(result["rows"])))


def print_plot(result: dict) -> None:
    """Score against cost on a log axis: single models as dots, the learned router's λ sweep
    as a line, every other strategy as a letter (the key is printed under the plot)."""
    import plotext as plt

    rows = result["rows"]
    plt.clf()
    plt.theme("clear")
    plt.plotsize(100, 25)
    set_axes(plt, rows)
    singles = [r for r in rows if r["strategy"] == "single"]
    plt.scatter(
        [log_cost(r) for r in singles],
        [r["score"] for r in singles],
        marker="dot",
        label="single models",
    )
    learned = sorted((r for r in rows if r["strategy"] == "learned"), key=lambda r: r["cost"])
    if learned:
        plt.plot(
            [log_cost(r) for r in learned],
            [r["score"] for r in learned],
            marker="braille",
            label="learned, λ sweep",
        )
    key = []
    others = [r for r in rows if r["strategy"] not in ("single", "learned")]
    for letter, row in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", others, strict=False):
        plt.scatter([log_cost(row)], [row["score"]], marker=letter)
        key.append(f"{letter} {label(row)}")
    plt.title("score against total cost (USD, log scale)")
    chart = plt.build()
    print(chart if sys.stdout.isatty() else plt.uncolorize(chart))
    print("\n".join(textwrap.wrap("   ".join(key), 100, break_long_words=False)))


def log_cost(row: dict) -> float:
    return math.log10(max(row["cost"], 1e-6))


def set_axes(plt, rows: list[dict]) -> None:
    """Room above for the legend, to the right for labels; ticks in dollars."""
    xs, ys = [log_cost(r) for r in rows], [r["score"] for r in rows]
    left, right = min(xs) - 0.1, max(xs) + 0.1
    plt.xlim(left, right)
    plt.ylim(min(ys) - 0.02, max(ys) + 0.25 * (max(ys) - min(ys) or 1))
    ticks = [t for t in DOLLAR_TICKS if left <= math.log10(t) <= right]
    plt.xticks([math.log10(t) for t in ticks], [f"${t:g}" for t in ticks])


DOLLAR_TICKS = [10.0**e * m for e in range(-6, 5) for m in (1, 3)]
