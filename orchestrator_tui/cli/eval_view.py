"""Terminal views of an evaluation: the table, the goal lines and the cost–quality plot."""

from __future__ import annotations

import sys

from ..evaluation.summary import best_single, frontier, goal_lines, label, relative
from .tables import aligned


def print_table(result: dict) -> None:
    best = best_single(result["rows"])
    table = [("strategy", "score", "cost (USD)", "score/best", "cost/best")]
    for row in result["rows"]:
        score, cost = relative(row, best)
        table.append((label(row), f"{row['score']:.4f}", f"{row['cost']:.4f}",
                      f"{score:.1%}", f"{cost:.1%}"))
    print(f"{result['dataset']}: {result['n']:,} prompts, {result['method']}; "
          f"best single model: {best['params']['model']}")
    print("\n".join(aligned(table, right_aligned={1, 2, 3, 4})))
    print()
    print("\n".join(goal_lines(result["rows"])))


def print_plot(result: dict) -> None:
    import plotext as plt

    rows = result["rows"]
    plt.clf()
    plt.theme("clear")
    plt.plotsize(100, 25)
    plt.xscale("log")
    groups = {}
    for row in rows:
        groups.setdefault(row["strategy"], []).append(row)
    for strategy, members in groups.items():
        if strategy != "learned":
            plt.scatter([max(r["cost"], 1e-6) for r in members], [r["score"] for r in members],
                        label=strategy, marker="dot" if strategy == "single" else "x")
    learned = sorted(groups.get("learned", []), key=lambda r: r["cost"])
    if learned:
        plt.plot([r["cost"] for r in learned], [r["score"] for r in learned],
                 label="learned (λ sweep)", marker="braille")
    edge = frontier(rows)
    plt.plot([r["cost"] for r in edge], [r["score"] for r in edge], label="frontier",
             marker="braille")
    plt.title("score against total cost (USD, log scale)")
    chart = plt.build()
    print(chart if sys.stdout.isatty() else plt.uncolorize(chart))
